#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` / `npm run build`). In a source checkout (one
// with tsconfig.json, which the package does not ship) it compiles the TypeScript sources on the
// fly with tsx instead whenever dist/ is missing or older than a source file, so an edited
// checkout never runs stale code; tsx is a dev dependency, so an installed package never needs it. Compiled code starts ~0.5 s sooner, and it keeps V8's fast
// typed-array path: tsx's transform of CommonJS dependencies detaches an ArrayBuffer, after which
// V8 checks for detached buffers on every typed-array access (the kernels lose ~17%).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const checkout = existsSync(join(root, 'tsconfig.json')) && existsSync(join(root, 'src'));

function distIsFresh() {
  if (process.env.FGFLOW_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  return statSync(compiled).mtimeMs >= newestSource(join(root, 'src'));
}

let main;
if (checkout && !distIsFresh()) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  if (!existsSync(compiled)) {
    process.stderr.write(`fgflow: ${compiled} is missing: this install of fgflow is incomplete (reinstall it)\n`);
    process.exit(1);
  }
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
