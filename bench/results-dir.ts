import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * bench/results of the repository, created if missing. Found from the package root (the nearest
 * directory above this file with a package.json), so the compiled copy that `npm run bench` runs
 * from .bench-build/bench writes to the same place as `npx tsx bench/<suite>.bench.ts`.
 */
export function resultsDir(): string {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  return dir;
}
