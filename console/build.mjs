/* global process, console */
// Builds the console into dist/: one bundled, minified script and one stylesheet under dist/assets/ with a
// content hash in their names (served immutable), and dist/index.html naming them (served no-cache). No
// inline script or style anywhere, so the server's Content-Security-Policy needs no hash or nonce.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
const result = await build({
  entryPoints: [join(here, 'src', 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  write: false,
  logLevel: 'warning',
});
const script = result.outputFiles[0].contents;
const style = readFileSync(join(here, 'src', 'style.css'));
const hashed = (bytes, ext) => `app-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.${ext}`;
const scriptName = hashed(script, 'js');
const styleName = hashed(style, 'css');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
writeFileSync(join(out, 'assets', scriptName), script);
writeFileSync(join(out, 'assets', styleName), style);
writeFileSync(join(out, 'index.html'), `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Longshore console</title>
<link rel="stylesheet" href="assets/${styleName}">
<script type="module" src="assets/${scriptName}"></script>
</head>
<body>
<div id="app"><noscript>The Longshore console needs JavaScript.</noscript></div>
</body>
</html>
`);
console.log(`console: built dist/index.html, dist/assets/${scriptName} (${script.length} bytes), dist/assets/${styleName}`);
process.exitCode = 0;
