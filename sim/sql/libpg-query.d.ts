/** libpg-query's Emscripten module factory (MODULARIZE): its options are the Emscripten `Module` object's. */
declare module 'libpg-query/wasm/libpg-query.js' {
  const createModule: (options?: { locateFile?: (path: string) => string }) => Promise<unknown>;
  export default createModule;
}
