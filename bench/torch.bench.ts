/**
 * fgflow's wasm backend against PyTorch (Debian's python3-torch) on the paper CNN's forward pass,
 * plain training step and alignment-rewarded step, on the same thread counts, in one run:
 * scripts/bench-torch.sh runs bench/torch_steps.py, then this file, which times the same steps
 * (bench/backend.bench.ts's definitions) and writes bench/results/torch.json with the ratios
 * fgflow / PyTorch (lower is better for fgflow) and the targets for the rewarded step.
 *
 *   bash scripts/bench-torch.sh      (installs python3-torch with apt-get when it is missing)
 *
 * For benchmarking only: CI never runs it, and nothing else needs PyTorch.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { disposeThreads, disposeWasm, setThreads, useWasm, wasmInfo, WASM_BACKEND, withBackend } from '../src/backend/node.ts';
import { endToEndRows, machine, table, type EndToEndRow, type Engine } from './backend.bench.ts';
import { resultsDir } from './results-dir.ts';

interface TorchRow {
  readonly size: number;
  readonly batch: number;
  readonly threads: number;
  readonly task: EndToEndRow['task'];
  readonly msPerImage: number;
  readonly samples: number;
}

/** The targets for the rewarded step: at most this many times PyTorch's time, per input size. */
const TARGET: Readonly<Record<number, number>> = { 128: 1.5, 512: 1.2 };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function wasmEngine(threads: number): Engine {
  return {
    label: `wasm ${threads} thread${threads === 1 ? '' : 's'}`,
    backend: WASM_BACKEND,
    mode: `${threads} threads`,
    setup: () => {
      setThreads({ threads: Math.max(threads, 2) });
      return useWasm({ threads, select: false }).actual !== 'cpu';
    },
    run: (fn) => withBackend(WASM_BACKEND, fn),
    detail: () => wasmInfo().actual,
  };
}

async function main(): Promise<void> {
  const torch = JSON.parse(readFileSync(arg('pytorch', join(resultsDir(), 'torch.pytorch.json')), 'utf8')) as { meta: Record<string, unknown>; rows: TorchRow[] };
  const threadCounts = arg('threads', '1,2').split(',').map(Number);
  const configs = arg('configs', '128x8,512x4').split(',').map((c) => c.split('x').map(Number) as [number, number]);
  const load0 = loadavg();
  const rows: Record<string, unknown>[] = [];
  try {
    for (const [size, batch] of configs) {
      for (const threads of threadCounts) {
        const engine = wasmEngine(threads);
        if (!engine.setup()) throw new Error(`the wasm backend cannot run: ${wasmInfo().reason}`);
        console.log(`fgflow ${engine.label}, ${size}², batch ${batch}:`);
        for (const r of await endToEndRows([engine], batch, size, 6000)) {
          const peer = torch.rows.find((t) => t.size === size && t.batch === batch && t.threads === threads && t.task === r.task);
          const ratio = peer ? r.msPerImage / peer.msPerImage : null;
          const target = r.task === 'rewarded step' ? (TARGET[size] ?? null) : null;
          rows.push({ size, batch, threads, task: r.task, fgflowMsPerImage: r.msPerImage, fgflowSamples: r.samples, pytorchMsPerImage: peer?.msPerImage ?? null, pytorchSamples: peer?.samples ?? null, ratio, target, met: target === null || ratio === null ? null : ratio <= target });
        }
      }
    }
  } finally {
    disposeWasm();
    await disposeThreads();
  }
  const body = rows.map((r) => [
    `${r.size}² b${r.batch}`, `${r.threads}`, String(r.task), (r.fgflowMsPerImage as number).toFixed(1), r.pytorchMsPerImage === null ? 'n/a' : (r.pytorchMsPerImage as number).toFixed(1),
    r.ratio === null ? 'n/a' : `${(r.ratio as number).toFixed(2)}×`, r.target === null ? '' : `≤ ${r.target}× ${r.met ? 'met' : 'not met'}`,
  ]);
  console.log(`\n${table(['config', 'threads', 'task', 'fgflow wasm ms/image', 'PyTorch ms/image', 'fgflow / PyTorch', 'target'], body)}`);
  const file = join(resultsDir(), 'torch.json');
  writeFileSync(file, JSON.stringify({ meta: { ...machine(), loadavgStart: load0, loadavgEnd: loadavg(), pytorch: torch.meta, wasm: wasmInfo() }, rows }, null, 2) + '\n');
  console.log(`\nwrote ${file}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
