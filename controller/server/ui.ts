/**
 * The web console's static files at /ui/ (the console package's build output, console/dist). The console
 * is built only on the public API, so this handler serves files and nothing else: no token, no data.
 *
 * Caching: files under /ui/assets/ carry a content hash in their name, so they are immutable for a year;
 * index.html names those files and is revalidated on every load (no-cache). Every answer carries a strict
 * Content-Security-Policy: scripts, styles and connections only from this origin, no inline script or
 * style, no frames, no third-party origin; and nosniff, no referrer, no framing.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

export const UI_PREFIX = '/ui/';

export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/**
 * The console's build folder: console/dist beside the package root, found by walking up from this module
 * (dist/controller/server/ once compiled, controller/server/ under tsx, /app/dist/controller/server/ in the image).
 */
export function findConsoleDir(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'console', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

export interface UiFile {
  code: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** The answer for a GET of `path` (which starts with /ui): pure apart from reading the file. */
export function uiFile(root: string | undefined, path: string): UiFile {
  const headers = { ...UI_SECURITY_HEADERS };
  if (path === '/ui') return { code: 308, headers: { ...headers, location: UI_PREFIX }, body: '' };
  if (!root) {
    return { code: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'the console is not built: run npm run build\n' };
  }
  let relative: string;
  try {
    relative = decodeURIComponent(path.slice(UI_PREFIX.length));
  } catch {
    relative = '\0';
  }
  if (relative === '') relative = 'index.html';
  const file = normalize(join(root, relative));
  const inside = file.startsWith(root + sep) && !relative.includes('\0');
  if (!inside || !existsSync(file) || !statSync(file).isFile()) {
    return { code: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'not found\n' };
  }
  const hashed = relative.startsWith('assets/');
  return {
    code: 200,
    headers: {
      ...headers,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    },
    body: readFileSync(file),
  };
}

export function sendUiFile(res: ServerResponse, method: string, answer: UiFile): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  res.writeHead(answer.code, { ...answer.headers, 'content-length': body.length });
  res.end(method === 'HEAD' ? undefined : body);
}
