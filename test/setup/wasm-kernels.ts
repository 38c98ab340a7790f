/**
 * vitest global setup: builds the WebAssembly kernels (build/kernels.wasm) when they are missing
 * or older than their sources, so that tests run from a source checkout exercise the kernels of
 * that checkout. `npm ci` and `npm run build` build them too; this only keeps them fresh.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'build-wasm.mjs')], { stdio: 'inherit' });
}
