/**
 * End-to-end tests: the built web app in Debian's Chromium (playwright-core). globalSetup builds the
 * app once and serves dist/; the tests get its URL with inject('baseUrl'). Files run one at a time.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/globalSetup.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    maxWorkers: 1,
    sequence: { concurrent: false },
    reporters: ['default'],
  },
});
