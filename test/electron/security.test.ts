import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { appProtocolHandler, CSP, hardenContents, ISOLATION_HEADERS, isAppUrl, resolveAppUrl } from '../../electron/security.ts';

describe('the app:// protocol', () => {
  it('serves files under the root only', () => {
    expect(resolveAppUrl('/srv/dist', 'app://lab/')).toBe('/srv/dist/index.html');
    expect(resolveAppUrl('/srv/dist', 'app://lab/assets/a.js')).toBe('/srv/dist/assets/a.js');
    expect(resolveAppUrl('/srv/dist', 'app://lab/../secret')).toBe('/srv/dist/secret');
    expect(resolveAppUrl('/srv/dist', 'app://lab/%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/dist/etc/passwd');
    expect(resolveAppUrl('/srv/dist', 'app://lab/..%2F..%2Fetc%2Fpasswd')).toBeUndefined();
    expect(resolveAppUrl('/srv/dist', 'app://other/index.html')).toBeUndefined();
    expect(resolveAppUrl('/srv/dist', 'file:///etc/passwd')).toBeUndefined();
  });

  it('answers with the CSP, cross-origin isolation and the right types', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pglab-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<html></html>');
    await writeFile(join(root, 'assets', 'pglite.wasm'), Buffer.from([0, 97, 115, 109]));
    const handle = appProtocolHandler(root);
    const page = await handle({ url: 'app://lab/index.html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    // cross-origin isolated, so the workers can share the snapshots' memory
    expect(page.headers.get('cross-origin-opener-policy')).toBe(ISOLATION_HEADERS['cross-origin-opener-policy']);
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect((await handle({ url: 'app://lab/assets/pglite.wasm' })).headers.get('content-type')).toBe('application/wasm');
    expect((await handle({ url: 'app://lab/missing.js' })).status).toBe(404);
    // a malformed % escape is the request's fault: 400, not a failed handler
    for (const url of ['app://lab/%', 'app://lab/%zz.js', 'app://lab/assets/%E0%A4%A.js']) expect((await handle({ url })).status, url).toBe(400);
  });

  it('allows WebAssembly and nothing remote (the web build injects this same constant)', () => {
    expect(CSP).toContain("'wasm-unsafe-eval'");
    expect(CSP).not.toMatch(/https?:|'unsafe-eval'|\*/);
  });

  it('knows its own origin', () => {
    expect(isAppUrl('app://lab/index.html')).toBe(true);
    expect(isAppUrl('https://lab/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('hardened web contents', () => {
  it('denies new windows, navigation away and permissions', () => {
    const listeners: Record<string, (e: { preventDefault(): void }, url: string) => void> = {};
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    let permission: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: ((wc: unknown, p: string) => boolean) | undefined;
    hardenContents({
      setWindowOpenHandler: (h) => {
        openHandler = h;
      },
      on: (event, l) => {
        listeners[event] = l;
      },
      session: { setPermissionRequestHandler: (h) => (permission = h), setPermissionCheckHandler: (h) => (check = h) },
    });
    expect(openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    const away = { preventDefault: vi.fn() };
    listeners['will-navigate'](away, 'https://example.com');
    expect(away.preventDefault).toHaveBeenCalled();
    const home = { preventDefault: vi.fn() };
    listeners['will-navigate'](home, 'app://lab/index.html');
    expect(home.preventDefault).not.toHaveBeenCalled();
    const redirect = { preventDefault: vi.fn() };
    listeners['will-redirect'](redirect, 'file:///etc/passwd');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const cb = vi.fn();
    permission!(null, 'camera', cb);
    expect(cb).toHaveBeenCalledWith(false);
    for (const p of ['notifications', 'clipboard-read', 'media', 'geolocation']) expect(check!(null, p), p).toBe(false);
  });
});
