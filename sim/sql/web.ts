/// <reference types="vite/client" />
/**
 * The SQL parser in a browser: the bundler emits libpg-query's wasm as an asset and gives its URL, which
 * the Emscripten module cannot find by itself there. Call once in each thread that runs the sim, before
 * `Simulation.create` (which loads the parser too, and would look for the wasm next to the script).
 */
import wasmUrl from 'libpg-query/wasm/libpg-query.wasm?url';
import { loadSqlParser } from './parser.ts';

export const loadWebSqlParser = (): Promise<void> => loadSqlParser(wasmUrl);
