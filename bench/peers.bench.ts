/**
 * fgflow against TensorFlow.js peers in the same run (tinybench): matmul 256/512/1024 and
 * conv2d, conv2dDerInput and conv2dDerFilter on the paper CNN's conv layers at 128² and 512²,
 * for fgflow (cpu 1 thread, cpu-threads, wasm on 1 thread and on all) and
 * @tensorflow/tfjs-backend-cpu and @tensorflow/tfjs-backend-wasm. Each row gives GFLOP/s and the ratios fgflow / peer (higher
 * is better for fgflow).
 *
 * tfjs runs its native layouts (NHWC images, [kh, kw, in, out] filters) and its own kernels
 * (Conv2DBackpropInput / Conv2DBackpropFilter through `engine().runKernel`); the arithmetic is
 * the same. tfjs-backend-wasm registers no Conv2DBackpropFilter: those rows say so. A peer call
 * that takes longer than SLOW_MS is timed once, and one predicted from the rate measured at a
 * smaller size to take longer than MAX_CALL_MS is not run (its notes give the prediction); this
 * keeps the run within minutes (tfjs-backend-cpu's filter gradient runs at ~0.02 GFLOP/s).
 *
 *   npx tsx bench/peers.bench.ts [--quick]   prints the table, writes bench/results/peers.json
 *
 * `runPeersBench()` is exported for bench/run.ts.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { disposeThreads, disposeWasm, getThreads, setThreads, threadsInfo, wasmInfo } from '../src/backend/node.ts';
import { convCases, engines, machine, matmulCases, measure, paperLayers, table, type KernelCase, type KernelName } from './backend.bench.ts';
import { resultsDir } from './results-dir.ts';

/** A peer call longer than this is timed once instead of sampled. */
const SLOW_MS = 4000;
/** A peer call predicted (from its rate at a smaller size) to take longer than this is not run. */
const MAX_CALL_MS = 8000;

type Tf = typeof import('@tensorflow/tfjs-core');
type TfTensor = import('@tensorflow/tfjs-core').Tensor;

export interface PeerRow {
  readonly kernel: KernelName;
  readonly size: string;
  readonly shape: string;
  readonly flops: number;
  /** engine label → GFLOP/s (null: not available or not run, see `notes`). */
  readonly gflops: Record<string, number | null>;
  readonly medianMs: Record<string, number | null>;
  readonly samples: Record<string, number>;
  readonly notes: Record<string, string>;
  /** "<fgflow engine> / <peer>" → speed ratio (peer time / fgflow time). */
  readonly ratios: Record<string, number | null>;
}

export interface PeersBenchResult {
  readonly meta: Record<string, unknown>;
  readonly rows: PeerRow[];
}

interface Peer {
  readonly label: string;
  readonly backend: 'cpu' | 'wasm';
}

const PEERS: readonly Peer[] = [
  { label: 'tfjs-cpu', backend: 'cpu' },
  { label: 'tfjs-wasm', backend: 'wasm' },
];

async function loadTf(): Promise<Tf> {
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs-core') as Tf;
  require('@tensorflow/tfjs-backend-cpu');
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths: (p: string) => void };
  // the .wasm binaries ship next to the package's bundles; Node loads them from disk
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  return tf;
}

/** The same computation as an fgflow case, in tfjs's layouts and kernels; null when tfjs lacks the kernel. */
function peerCall(tf: Tf, backend: Peer['backend'], c: KernelCase): { fn: () => void; dispose: () => void } | string {
  const keep: TfTensor[] = [];
  const t = (shape: number[]) => {
    const x = tf.randomNormal(shape);
    keep.push(x);
    return x;
  };
  const dispose = () => keep.forEach((x) => x.dispose());
  const run = (make: () => TfTensor) => () => {
    const r = make();
    r.dataSync();
    r.dispose();
  };
  if (c.kernel === 'matmul') {
    const s = Number(c.size);
    const a = t([s, s]), b = t([s, s]);
    return { fn: run(() => tf.matMul(a, b)), dispose };
  }
  const [name, res] = c.size.split(' ') as [string, string];
  const layer = paperLayers(Number.parseInt(res, 10)).find((l) => l.name === name)!;
  const [n, cin, h, w] = layer.x as [number, number, number, number];
  const [o, , kh, kw] = layer.w as [number, number, number, number];
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined } as const;
  const engine = tf.engine();
  switch (c.kernel) {
    case 'conv2d': {
      const x = t([n, h, w, cin]), f = t([kh, kw, cin, o]);
      return { fn: run(() => tf.conv2d(x as never, f as never, 1, 'same')), dispose };
    }
    case 'conv2dInputAdjoint': {
      if (!tf.getKernel('Conv2DBackpropInput', backend)) return `tfjs-backend-${backend} has no Conv2DBackpropInput kernel`;
      const dy = t([n, h, w, o]), f = t([kh, kw, cin, o]);
      return { fn: run(() => engine.runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: [n, h, w, cin] } as never) as TfTensor), dispose };
    }
    case 'conv2dFilterAdjoint': {
      if (!tf.getKernel('Conv2DBackpropFilter', backend)) return `tfjs-backend-${backend} has no Conv2DBackpropFilter kernel`;
      const x = t([n, h, w, cin]), dy = t([n, h, w, o]);
      return { fn: run(() => engine.runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [kh, kw, cin, o] } as never) as TfTensor), dispose };
    }
  }
}

export async function runPeersBench(options: { quick?: boolean } = {}): Promise<PeersBenchResult> {
  const quick = options.quick ?? process.argv.includes('--quick');
  const tf = await loadTf();
  const saved = getThreads();
  const load0 = loadavg();
  const cases = [...matmulCases(quick ? [256] : [256, 512, 1024]), ...convCases(128), ...(quick ? [] : convCases(512))];
  const budget = quick ? 300 : 1200;
  const fg = engines([]);
  const rows: PeerRow[] = [];
  const rate = new Map<string, number>();
  const peerInfo: Record<string, unknown> = {};
  try {
    for (const e of fg) e.setup();
    const records = cases.map(() => ({
      gflops: {} as Record<string, number | null>, medianMs: {} as Record<string, number | null>,
      samples: {} as Record<string, number>, notes: {} as Record<string, string>,
    }));
    // Two passes, tfjs-wasm last: growing a WebAssembly memory detaches its old ArrayBuffer, and once
    // any buffer in the process has been detached V8 guards every typed-array access in optimised
    // code with a detach check (fgflow's matmul drops from ~6.8 to ~5.6 GFLOP/s). Measuring fgflow
    // after tfjs-wasm has run would charge fgflow for tfjs's memory growth.
    const passes = [
      { withFgflow: true, peers: PEERS.filter((p) => p.backend !== 'wasm') },
      { withFgflow: false, peers: PEERS.filter((p) => p.backend === 'wasm') },
    ];
    for (const pass of passes) {
      for (const [i, c] of cases.entries()) {
        const { gflops, medianMs, samples, notes } = records[i]!;
        if (pass.withFgflow) {
          for (const e of fg) {
            e.setup();
            const r = await measure(`${c.kernel} ${c.size} ${e.label}`, () => e.run(c.fn), budget);
            medianMs[e.label] = r.medianMs;
            gflops[e.label] = c.flops / r.medianMs / 1e6;
            samples[e.label] = r.samples;
          }
        }
        for (const p of pass.peers) {
          await tf.setBackend(p.backend);
          await tf.ready();
          if (!(p.label in peerInfo)) {
            peerInfo[p.label] = p.backend === 'wasm'
              ? { simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') }
              : { backend: tf.getBackend() };
          }
          // the same layer (or matmul) at a smaller size predicts this one
          const key = `${p.label}|${c.kernel}|${c.kernel === 'matmul' ? '' : c.size.split(' ')[0]}`;
          const known = rate.get(key);
          const predictedMs = known === undefined ? 0 : c.flops / known / 1e6;
          const call = predictedMs > MAX_CALL_MS
            ? `not run: at its rate on a smaller ${c.kernel} (${known!.toFixed(3)} GFLOP/s) one call would take ~${(predictedMs / 1000).toFixed(0)} s`
            : peerCall(tf, p.backend, c);
          if (typeof call === 'string') {
            medianMs[p.label] = gflops[p.label] = null;
            notes[p.label] = call;
            continue;
          }
          try {
            const t0 = performance.now();
            call.fn();
            const first = performance.now() - t0;
            if (first > SLOW_MS) {
              // one timed call after the first (which compiled/allocated): enough at this length
              const t1 = performance.now();
              call.fn();
              medianMs[p.label] = performance.now() - t1;
              samples[p.label] = 1;
              notes[p.label] = `timed once (a call takes over ${SLOW_MS / 1000} s)`;
            } else {
              const r = await measure(`${c.kernel} ${c.size} ${p.label}`, call.fn, budget);
              medianMs[p.label] = r.medianMs;
              samples[p.label] = r.samples;
            }
            gflops[p.label] = c.flops / medianMs[p.label]! / 1e6;
            rate.set(key, gflops[p.label]!);
          } finally {
            call.dispose();
          }
        }
        const cells = Object.entries(gflops).map(([k, v]) => `${k} ${v === null ? 'n/a' : v.toFixed(2)}`).join('  ');
        console.log(`  ${c.kernel.padEnd(20)} ${c.size.padEnd(8)} ${cells}`);
      }
    }
    for (const [i, c] of cases.entries()) {
      const { gflops, medianMs, samples, notes } = records[i]!;
      const ratios: Record<string, number | null> = {};
      for (const e of fg) for (const p of PEERS) ratios[`${e.label} / ${p.label}`] = medianMs[p.label] == null ? null : medianMs[p.label]! / medianMs[e.label]!;
      rows.push({ kernel: c.kernel, size: c.size, shape: c.shape, flops: c.flops, gflops, medianMs, samples, notes, ratios });
    }
    console.log(`\n${formatPeersTable(rows)}`);
    const meta = { ...machine(), loadavgStart: load0, loadavgEnd: loadavg(), threads: threadsInfo(), wasm: wasmInfo(), peers: peerInfo, tfjs: tf.version_core };
    const result: PeersBenchResult = { meta, rows };
    const file = join(resultsDir(), quick ? 'peers.quick.json' : 'peers.json');
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nwrote ${file}`);
    return result;
  } finally {
    setThreads(saved);
    disposeWasm();
    await disposeThreads();
  }
}

export function formatPeersTable(rows: readonly PeerRow[]): string {
  if (rows.length === 0) return '';
  const labels = Object.keys(rows[0]!.gflops);
  const ratioKeys = Object.keys(rows[0]!.ratios);
  const head = ['kernel', 'size', ...labels.map((l) => `${l} GFLOP/s`), ...ratioKeys.map((k) => `${k}`)];
  const body = rows.map((r) => [
    r.kernel,
    r.size,
    ...labels.map((l) => (r.gflops[l] == null ? 'n/a' : `${r.gflops[l]!.toFixed(2)}${r.samples[l] === 1 ? '¹' : ''}`)),
    ...ratioKeys.map((k) => (r.ratios[k] == null ? 'n/a' : `${r.ratios[k]!.toFixed(r.ratios[k]! < 1 ? 2 : 1)}×`)),
  ]);
  return table(head, body);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runPeersBench().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
