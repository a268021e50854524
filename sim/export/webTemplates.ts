/// <reference types="vite/client" />
/**
 * The exported application code's templates (templates/*.ts.txt) bundled as text, for the app's export
 * (Node reads the same files with cli/exportTemplates.ts).
 */
import cacheService from './templates/cacheService.ts.txt?raw';
import databaseRouter from './templates/databaseRouter.ts.txt?raw';
import shardRouter from './templates/shardRouter.ts.txt?raw';
import type { ExportTemplates } from './appCode.ts';

export const webExportTemplates = (): ExportTemplates => ({ databaseRouter, cacheService, shardRouter });
