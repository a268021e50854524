import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/sim/**/*.test.ts', 'test/real/**/*.test.ts', 'test/lessons/**/*.test.ts', 'test/renderer/**/*.test.ts', 'test/electron/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 180_000,
    // Real PGlite instances are heavy: one test file at a time per core.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
