/**
 * The window's safety rules: the content security policy, the app:// protocol that serves the built
 * renderer (module workers need a real origin; file:// has none), and web contents that can neither
 * navigate away nor open windows nor get permissions.
 */
import { readFile } from 'node:fs/promises';
import { extname, normalize, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://lab`;

/** WebAssembly (PGlite) allowed; nothing remote; no inline scripts. The web build (vite.config.ts) serves the same. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Cross-origin isolation: the page and its workers may share memory (SharedArrayBuffer), so every
 * database node's worker shares one copy of the snapshot it boots from. Everything is same-origin, so
 * nothing is blocked. The web build's servers (vite.config.ts) send the same headers.
 */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } as const;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.data': 'application/octet-stream',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Resolves an app:// URL to a file under `root`, or undefined when it would leave the root.
 * @throws URIError when the path has a malformed `%` escape (`%zz`, a lone `%`).
 */
export function resolveAppUrl(root: string, url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== 'lab') return undefined;
  const rel = decodeURIComponent(u.pathname === '/' ? '/index.html' : u.pathname);
  const base = resolve(root);
  const file = normalize(resolve(base, `.${rel}`));
  return file === base || file.startsWith(base + sep) ? file : undefined;
}

/** The app:// handler: files of the built renderer, with the CSP and cross-origin isolation on every response. */
export function appProtocolHandler(root: string) {
  return async (request: { url: string }): Promise<Response> => {
    let file: string | undefined;
    try {
      file = resolveAppUrl(root, request.url);
    } catch (e) {
      if (e instanceof URIError) return new Response('bad request: malformed % escape in the path', { status: 400 });
      throw e;
    }
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CSP,
          'x-content-type-options': 'nosniff',
          ...ISOLATION_HEADERS,
        },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}

/** True when `url` is the app itself (what a sender or a navigation must be). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === 'lab';
  } catch {
    return false;
  }
}

interface HardenableContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): void;
  session: {
    setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (ok: boolean) => void) => void): void;
    setPermissionCheckHandler(handler: (wc: unknown, permission: string) => boolean): void;
  };
}

/**
 * No new windows, no navigation away from the app, no permissions (camera, notifications ...): neither
 * granted when asked for nor reported as held when checked (the check answers synchronous APIs such as
 * navigator.permissions.query and some device APIs, which never ask).
 */
export function hardenContents(contents: HardenableContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const stay = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', stay);
  contents.on('will-redirect', stay);
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}
