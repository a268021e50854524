/** The example scenarios shipped with the lessons (lessons/scenarios/*.json), as file texts. */
const files = import.meta.glob('../lessons/scenarios/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;

/** By name, compared as plain text: `localeCompare`'s first call builds ICU's collator, 15-20 ms of CPU at the cold start (issue 14). */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const EXAMPLES = Object.entries(files)
  .map(([path, text]) => ({ file: path.split('/').pop()!, text, name: (JSON.parse(text) as { name?: string }).name ?? path }))
  .sort((a, b) => (a.file === 'single-primary.json' ? -1 : b.file === 'single-primary.json' ? 1 : byName(a.name, b.name)));

export const DEFAULT_EXAMPLE = EXAMPLES.find((e) => e.file === 'single-primary.json') ?? EXAMPLES[0];
