/** redis-cli's reading of a typed line (`sdssplitargs` in sds.c): words, "quoted" with escapes, 'quoted' verbatim. */

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/** The words of a line, or undefined for unbalanced quotes (redis-cli says "Invalid argument(s)"). */
export function splitArgs(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (true) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) return out;
    let word = '';
    const quote = line[i] === '"' || line[i] === "'" ? line[i++] : '';
    while (true) {
      if (i >= line.length) {
        if (quote) return undefined;
        break;
      }
      const c = line[i];
      if (!quote && /\s/.test(c)) break;
      if (quote && c === quote) {
        i++;
        // a closing quote must be followed by a space or the end
        if (i < line.length && !/\s/.test(line[i])) return undefined;
        break;
      }
      if (quote === '"' && c === '\\' && i + 1 < line.length) {
        const n = line[i + 1];
        const hex = /^x[0-9a-fA-F]{2}$/.test(line.slice(i + 1, i + 4));
        word += hex ? String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16)) : (ESCAPES[n] ?? n);
        i += hex ? 4 : 2;
        continue;
      }
      if (quote === "'" && c === '\\' && line[i + 1] === "'") {
        word += "'";
        i += 2;
        continue;
      }
      word += c;
      i++;
    }
    out.push(word);
  }
}
