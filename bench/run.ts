/**
 * `npm run bench`: the benchmark suites one after another, each in a process of its own.
 *   npm run bench                 all suites
 *   npm run bench -- kernels ad   only the named suites (flags such as --quick pass through)
 * Each suite prints its table and writes bench/results/<suite>.json.
 *
 * One process per suite keeps them from disturbing each other: the peers suite grows tfjs-wasm's
 * WebAssembly memory, which detaches an ArrayBuffer, and from then on V8 guards every typed-array
 * access in the process (fgflow's kernels lose ~17%); a later suite in the same process would
 * measure that. Each child runs with this process's flags, so `npx tsx bench/run.ts` runs the
 * TypeScript suites and `npm run bench` the compiled ones.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SUITES = ['kernels', 'ad', 'train', 'backend', 'peers'] as const;

const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const unknown = wanted.filter((w) => !(SUITES as readonly string[]).includes(w));
if (unknown.length) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${SUITES.join(', ')}`);
  process.exit(2);
}
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
let failed = 0;
for (const name of wanted.length ? wanted : SUITES) {
  console.log(`\n=== ${name} ===`);
  const file = fileURLToPath(new URL(`./${name}.bench${ext}`, import.meta.url));
  const r = spawnSync(process.execPath, [...process.execArgv, file, ...flags], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`suite ${name} failed (${r.status ?? r.signal})`);
    failed++;
  }
}
process.exitCode = failed ? 1 : 0;
