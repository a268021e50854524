/** Builds the web app once (vite build) and serves dist/ on a free port for the whole e2e run. */
import type { PreviewServer } from 'vite';
import { build, preview } from 'vite';
import type { TestProject } from 'vitest/node';

let server: PreviewServer | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

export async function setup(project: TestProject) {
  if (!process.env.E2E_SKIP_BUILD) {
    // vitest sets NODE_ENV=test, which makes vite bundle React's development build (several times slower):
    // the e2e tests measure the app users get, so the build is a production one
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: 'vite.config.ts', logLevel: 'warn', mode: 'production' });
    } finally {
      process.env.NODE_ENV = env;
    }
  }
  server = await preview({ configFile: 'vite.config.ts', preview: { port: 0, host: '127.0.0.1', open: false }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server has no URL');
  project.provide('baseUrl', url);
}

export async function teardown() {
  await server?.close();
}
