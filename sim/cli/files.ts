/** Writing the CLI's output files: whole or not at all (a temporary file renamed over the target). */
import { rename, writeFile } from 'node:fs/promises';

export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
