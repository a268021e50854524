/**
 * Builds the Electron shell to dist-electron/: `--mode main` for electron/main.ts, `--mode preload` for
 * electron/preload.ts. Two builds, because a sandboxed preload must be one self-contained CommonJS file
 * (it can require only 'electron').
 */
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

export default defineConfig(({ mode }) => {
  const entry = mode === 'preload' ? 'preload' : 'main';
  return {
    publicDir: false,
    build: {
      outDir: 'dist-electron',
      emptyOutDir: entry === 'main',
      target: 'node20',
      minify: false,
      reportCompressedSize: false,
      lib: { entry: { [entry]: `electron/${entry}.ts` }, formats: ['cjs'], fileName: () => `${entry}.cjs` },
      rollupOptions: { external: ['electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)] },
    },
  };
});
