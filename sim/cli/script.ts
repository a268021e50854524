/** How each command-line tool starts: its `main` runs only when the process was started on its file. */

/**
 * Runs `main` on the process's arguments when the process was started on `script` (a path ending, such as
 * `sim/cli/sweep.ts`), and exits with its code; an error it throws is printed and exits 1. Tests import
 * the same module and call `main` themselves.
 */
export function runAsScript(script: string, main: (argv: string[]) => Promise<number>): void {
  if (!process.argv[1]?.endsWith(script)) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`error: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
