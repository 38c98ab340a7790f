// Builds the wasm backend's kernels (assembly/ → build/kernels.wasm) with AssemblyScript, unless
// the file is newer than every source (`--force` rebuilds anyway). The file is written under a
// temporary name and renamed, so a process loading the kernels meanwhile reads the old or the
// new file, never half of one.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'build', 'kernels.wasm');
const sources = [join(root, 'asconfig.json'), ...readdirSync(join(root, 'assembly')).map((f) => join(root, 'assembly', f))];
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
if (!process.argv.includes('--force') && existsSync(target) && statSync(target).mtimeMs >= newest) process.exit(0);

mkdirSync(dirname(target), { recursive: true });
const temporary = `${target}.${process.pid}.tmp`;
const { default: asc } = await import('assemblyscript/asc');
const { error } = await asc.main(
  ['--config', join(root, 'asconfig.json'), '--target', 'release', '--outFile', temporary],
  { stdout: process.stdout, stderr: process.stderr },
);
if (error) {
  console.error(`building the WebAssembly kernels failed: ${error.message}`);
  process.exit(1);
}
renameSync(temporary, target);
