/**
 * `npm run bench`: every benchmark suite in one run, so ratios compare like with like.
 *   npm run bench                 all suites
 *   npm run bench -- kernels ad   only the named suites
 * Each suite prints its table and writes bench/results/<suite>.json.
 */
const suites: Record<string, () => Promise<unknown>> = {
  kernels: async () => (await import('./kernels.bench.ts')).runKernelBench(),
  ad: async () => (await import('./ad.bench.ts')).runAdBench(),
  train: async () => (await import('./train.bench.ts')).runTrainBench(),
  backend: async () => (await import('./backend.bench.ts')).runBackendBench(),
  peers: async () => (await import('./peers.bench.ts')).runPeersBench(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in suites));
if (unknown.length) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : Object.keys(suites)) {
  console.log(`\n=== ${name} ===`);
  await suites[name]!();
}
