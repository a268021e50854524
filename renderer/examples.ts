/** The example scenarios shipped with the lessons (lessons/scenarios/*.json), as file texts. */
const files = import.meta.glob('../lessons/scenarios/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>;

export const EXAMPLES = Object.entries(files)
  .map(([path, text]) => ({ file: path.split('/').pop()!, text, name: (JSON.parse(text) as { name?: string }).name ?? path }))
  .sort((a, b) => (a.file === 'single-primary.json' ? -1 : b.file === 'single-primary.json' ? 1 : a.name.localeCompare(b.name)));

export const DEFAULT_EXAMPLE = EXAMPLES.find((e) => e.file === 'single-primary.json') ?? EXAMPLES[0];
