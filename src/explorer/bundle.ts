/**
 * The explorer's browser bundle, made by esbuild from page.ts: at build time into
 * dist/explorer/explorer.js, and on the fly when fgflow runs from its TypeScript sources (a
 * checkout, where esbuild is installed as a dev dependency), so the page never lags the sources.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const fromSources = import.meta.url.endsWith('.ts');

/** Bundles src/explorer/page.ts for the browser: one minified script, every dependency inlined. */
export async function bundleExplorer(): Promise<string> {
  const { build } = await import('esbuild');
  const entry = fileURLToPath(new URL(fromSources ? './page.ts' : '../../src/explorer/page.ts', import.meta.url));
  const out = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, keepNames: true, legalComments: 'none', write: false, logLevel: 'silent' });
  return out.outputFiles[0]!.text;
}

/** The page's script: bundled now from the sources, or the one the build made. */
export async function explorerScript(): Promise<string> {
  return fromSources ? bundleExplorer() : readFile(new URL('./explorer.js', import.meta.url), 'utf8');
}
