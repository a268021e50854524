/**
 * The exported application code's templates (sim/export/templates/*.ts.txt) read from disk, for Node
 * (`npm run export`, tests). A bundled app would import the same files as text (Vite's `?raw`).
 */
import { readFileSync } from 'node:fs';
import type { ExportTemplates } from '../index.ts';

const read = (name: keyof ExportTemplates) => readFileSync(new URL(`../export/templates/${name}.ts.txt`, import.meta.url), 'utf8');

export function readExportTemplates(): ExportTemplates {
  return { databaseRouter: read('databaseRouter'), cacheService: read('cacheService'), shardRouter: read('shardRouter') };
}
