/**
 * Training-step benchmarks (tinybench) on the paper's CNN, batch 8:
 *   plain    valueAndGrad of the BCE loss over the params, then an Adam update;
 *   aligned  the same with −λ·mean cos²(∇ₓf, v) added to the loss, ∇ₓf taken with a vjp over the
 *            CT channel inside the loss (second-order AD), v a fixed random image.
 * Also a per-primitive time breakdown of one step of each (kernels only, via a profiling backend),
 * the 128² plain step against PyTorch's 8 ms/image on this machine, and the same training steps
 * on the wasm backend (one thread) with the share of each step spent copying operands into the
 * wasm memory (the parameters are new tensors after every Adam update, as in training).
 *
 *   npx tsx bench/train.bench.ts     prints a table and writes bench/results/train.json
 *
 * `runTrainBench()` is exported for bench/run.ts.
 */
import { resultsDir } from './results-dir.ts';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { concat, div, mean, mul, ones, random, slice, square, sub, sum, valueAndGrad, vjp, type Tensor } from '../src/index.ts';
import { primitives } from '../src/ad/core.ts';
import { getBackend, registerKernel, unregisterBackend, withBackend } from '../src/backend/registry.ts';
import { disposeWasm, resetWasmCounters, useWasm, wasmInfo, WASM_BACKEND } from '../src/backend/node.ts';
import * as nn from '../src/nn/index.ts';

const BATCH = 8;
const LAMBDA = 0.1;
const PYTORCH_MS_PER_IMAGE_128 = 8;

export interface Row {
  readonly name: string;
  readonly size: number;
  readonly kind: 'plain' | 'aligned';
  readonly batch: number;
  readonly medianMsPerStep: number;
  readonly meanMsPerStep: number;
  readonly msPerImage: number;
  readonly samples: number;
}

export interface TrainBenchResult {
  readonly meta: Record<string, unknown>;
  readonly rows: Row[];
  /** aligned / plain per-image time, per input size. */
  readonly alignedOverPlain: Record<string, number>;
  readonly vsPytorch: { readonly pytorchMsPerImage: number; readonly oursMsPerImage: number; readonly ratio: number };
  /** Per step: milliseconds and calls per primitive. */
  readonly profile: Record<string, Record<string, { ms: number; calls: number }>>;
  /** The same steps on the wasm backend, one thread: per step, its time and the copying of operands into the wasm memory. */
  readonly wasm: { readonly task: string; readonly msPerStep: number; readonly copyInMsPerStep: number; readonly copiedInMBPerStep: number; readonly copyShare: number }[];
}

type AnyTensor = Tensor<number[], 'f32'>;

interface Setup {
  readonly step: () => void;
}

function setup(size: number, kind: Row['kind']): Setup {
  const model = nn.paperCnn({ inputSize: size });
  const optimizer = nn.adam({ lr: 1e-3 });
  let params = model.init(random.key(1));
  let state = optimizer.init(params);
  const x = random.normal(random.key(2), [BATCH, 2, size, size]) as AnyTensor;
  const labels = Array.from({ length: BATCH }, (_, i) => i % 2);
  const ct = slice(x, [0, 0, 0, 0], [BATCH, 1, size, size]) as AnyTensor;
  const mask = slice(x, [0, 1, 0, 0], [BATCH, 1, size, size]) as AnyTensor;
  const v = random.normal(random.key(3), [BATCH, 1, size, size]) as AnyTensor;
  const vv = sum(square(v), [1, 2, 3]);
  const seed = ones([BATCH, 1]) as AnyTensor;

  const plain = (p: nn.CnnParams) => nn.bceWithLogits(model.apply(p, x), labels);
  const aligned = (p: nn.CnnParams) => {
    // One forward pass serves both terms: the vjp's output is the logits (still traced in p).
    const [logits, pullback] = vjp((c: AnyTensor) => model.apply(p, concat([c, mask], 1) as AnyTensor) as AnyTensor, ct);
    const [g] = pullback(seed) as [AnyTensor];
    const cos2 = div(square(sum(mul(g, v), [1, 2, 3])), mul(sum(square(g), [1, 2, 3]), vv));
    return sub(nn.bceWithLogits(logits, labels), mul(mean(cos2), LAMBDA));
  };
  const vg = valueAndGrad(kind === 'plain' ? plain : aligned);
  return {
    step: () => {
      const [loss, grads] = vg(params);
      if (!Number.isFinite(loss.item())) throw new Error(`${kind} ${size}²: loss is ${loss.item()}`);
      ({ params, state } = optimizer.update(grads, state, params));
    },
  };
}

/** Milliseconds and calls per primitive for one call of `fn`, timed around each primitive's cpu kernel (whatever backend the timed rows used). */
function profileStep(fn: () => void): Record<string, { ms: number; calls: number }> {
  const stats: Record<string, { ms: number; calls: number }> = {};
  for (const [name, prim] of primitives()) {
    registerKernel('profile', prim, (args, p, aval) => {
      const t0 = performance.now();
      const out = prim.impl(args, p, aval);
      const s = (stats[name] ??= { ms: 0, calls: 0 });
      s.ms += performance.now() - t0;
      s.calls++;
      return out;
    });
  }
  const t0 = performance.now();
  try {
    withBackend('profile', fn);
  } finally {
    unregisterBackend('profile');
  }
  const total = performance.now() - t0;
  const kernels = Object.values(stats).reduce((a, s) => a + s.ms, 0);
  const sorted = Object.fromEntries(Object.entries(stats).sort((a, b) => b[1].ms - a[1].ms).map(([k, s]) => [k, { ms: +s.ms.toFixed(2), calls: s.calls }]));
  return { ...sorted, '(all kernels)': { ms: +kernels.toFixed(2), calls: 0 }, '(step, wall)': { ms: +total.toFixed(2), calls: 0 } };
}

export async function runTrainBench(sizes: readonly number[] = [64, 128]): Promise<TrainBenchResult> {
  const bench = new Bench({ name: 'training step', time: 1500, iterations: 3, warmupTime: 0, warmupIterations: 1, throws: true });
  const tasks: { name: string; size: number; kind: Row['kind']; s: Setup }[] = [];
  for (const size of sizes) {
    for (const kind of ['plain', 'aligned'] as const) {
      const name = `paperCnn ${size}² ${kind} step, batch ${BATCH}`;
      const s = setup(size, kind);
      tasks.push({ name, size, kind, s });
      bench.add(name, s.step);
    }
  }
  await bench.run();
  const rows: Row[] = tasks.map(({ name, size, kind }) => {
    const r = bench.getTask(name)?.result;
    if (!r || !('latency' in r)) throw new Error(`benchmark ${name} produced no statistics (${r?.state})`);
    return { name, size, kind, batch: BATCH, medianMsPerStep: r.latency.p50, meanMsPerStep: r.latency.mean, msPerImage: r.latency.p50 / BATCH, samples: r.latency.samplesCount };
  });
  const profile: TrainBenchResult['profile'] = {};
  for (const t of tasks) profile[`${t.size}² ${t.kind}`] = profileStep(t.s.step);

  const wasm = await wasmSteps(sizes);

  const perImage = (size: number, kind: Row['kind']) => rows.find((r) => r.size === size && r.kind === kind)!.msPerImage;
  const alignedOverPlain = Object.fromEntries(sizes.map((s) => [`${s}`, perImage(s, 'aligned') / perImage(s, 'plain')]));
  const ours128 = sizes.includes(128) ? perImage(128, 'plain') : NaN;
  const result: TrainBenchResult = {
    meta: { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', backend: getBackend(), threads: 1, batch: BATCH, lambda: LAMBDA },
    rows,
    alignedOverPlain,
    vsPytorch: { pytorchMsPerImage: PYTORCH_MS_PER_IMAGE_128, oursMsPerImage: ours128, ratio: ours128 / PYTORCH_MS_PER_IMAGE_128 },
    profile,
    wasm,
  };
  print(result);
  const dir = resultsDir();
  const file = join(dir, 'train.json');
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${file}`);
  return result;
}

/** Training steps on the wasm backend (one thread), yielding between steps as training does; the copy-in share from its counters. */
async function wasmSteps(sizes: readonly number[], steps = 6): Promise<TrainBenchResult['wasm']> {
  useWasm({ threads: 1, select: false });
  const out: TrainBenchResult['wasm'][number][] = [];
  try {
    for (const size of sizes) {
      for (const kind of ['plain', 'aligned'] as const) {
        const s = setup(size, kind);
        for (let i = 0; i < 2; i++) {
          withBackend(WASM_BACKEND, s.step);
          await new Promise((resolve) => setImmediate(resolve));
        }
        resetWasmCounters();
        let ms = 0;
        for (let i = 0; i < steps; i++) {
          const t0 = performance.now();
          withBackend(WASM_BACKEND, s.step);
          ms += performance.now() - t0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        const d = wasmInfo().details as { copyInMs: number; copiedInBytes: number };
        out.push({ task: `${size}² ${kind}`, msPerStep: ms / steps, copyInMsPerStep: d.copyInMs / steps, copiedInMBPerStep: d.copiedInBytes / steps / 1e6, copyShare: d.copyInMs / ms });
      }
    }
  } finally {
    disposeWasm();
  }
  return out;
}

function print(r: TrainBenchResult): void {
  const head = ['task', 'ms/step', 'ms/image', 'samples'];
  const body = r.rows.map((row) => [row.name, row.medianMsPerStep.toFixed(1), row.msPerImage.toFixed(1), String(row.samples)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log([line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n'));
  for (const [size, ratio] of Object.entries(r.alignedOverPlain)) console.log(`aligned / plain at ${size}²: ${ratio.toFixed(2)}x`);
  if (Number.isFinite(r.vsPytorch.ratio)) {
    console.log(`128² plain step: ${r.vsPytorch.oursMsPerImage.toFixed(1)} ms/image vs PyTorch ${r.vsPytorch.pytorchMsPerImage} ms/image (${r.vsPytorch.ratio.toFixed(1)}x)`);
  }
  for (const w of r.wasm) {
    console.log(`wasm, 1 thread, ${w.task} step: ${w.msPerStep.toFixed(1)} ms; copying operands in ${w.copyInMsPerStep.toFixed(2)} ms (${w.copiedInMBPerStep.toFixed(1)} MB) = ${(100 * w.copyShare).toFixed(2)}% of the step`);
  }
  for (const [name, stats] of Object.entries(r.profile)) {
    const top = Object.entries(stats).slice(0, 8).map(([k, s]) => `${k} ${s.ms.toFixed(0)}`).join(', ');
    console.log(`profile ${name} (ms per step): ${top}; kernels ${stats['(all kernels)']!.ms.toFixed(0)} of ${stats['(step, wall)']!.ms.toFixed(0)}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runTrainBench().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
