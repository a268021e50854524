/**
 * The sim's public API for browsers: the engine factory that runs each database node's PGlite in a
 * Web Worker, and PostgreSQL's parser from the bundled wasm. Import it from a worker (the renderer's sim worker), next to sim/index.ts.
 * The export's code templates as bundled text (for `exportScenario` on the page) come from here too.
 */
export { pgliteAssets, type WebEngineOptions, webEngineFactory } from './engine/web/platform.ts';
export { loadWebSqlParser } from './sql/web.ts';
export { webExportTemplates } from './export/webTemplates.ts';
