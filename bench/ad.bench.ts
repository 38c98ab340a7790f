/**
 * Autodiff overhead benchmarks (tinybench):
 *  - a chain of 1,000 small elementwise ops: µs per op for plain evaluation, jvp and vjp
 *    (forward trace plus pullback), i.e. the interpreters' own cost;
 *  - the paper-style CNN on 128² inputs at batch 8 (f32): forward, input gradient, parameter
 *    gradient and the alignment-regularised parameter gradient (double backprop), per image,
 *    with ratios to the forward pass and the targets they are held to. The regularised loss is
 *    timed twice: sharing one forward pass between BCE and ∇ₓ f (through vjp; the target row),
 *    and naively with a separate forward pass for the gradient term (for comparison).
 *
 *   npx tsx bench/ad.bench.ts        prints the tables and writes bench/results/ad.json
 *
 * `runAdBench()` is exported for bench/run.ts and does the same.
 */
import { resultsDir } from './results-dir.ts';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import {
  add, div, grad, jvp, mean, mul, ones, random, reshape, sigmoid, slice, softplus, sub, sum, tanh, tensor, vjp, type Tensor, nn,
} from '../src/index.ts';

const T = (x: unknown) => x as Tensor;

// ------------------------------------------------------------------ chain of small ops

const CHAIN_LENGTH = 1000;
const CHAIN_WIDTH = 16;

/** 1,000 elementwise ops on a 16-element f32 vector: interpreter overhead dominates the arithmetic. */
function chain(x: Tensor): Tensor {
  let h = x;
  for (let i = 0; i < CHAIN_LENGTH; i++) {
    switch (i % 4) {
      case 0: h = T(tanh(h)); break;
      case 1: h = T(mul(h, 1.1)); break;
      case 2: h = T(add(h, 0.05)); break;
      default: h = T(sigmoid(h));
    }
  }
  return h;
}

// ------------------------------------------------------------------ paper-style CNN, 128² inputs

const BATCH = 8;
const SIDE = 128;
const LAMBDA = 0.5;

// The paper's CNN from src/nn, so the bench measures the model the experiment trains.
const cnn = nn.paperCnn({ inputSize: SIDE });
type Params = nn.CnnParams;

function init(seed: number): Params {
  return cnn.init(random.key(seed));
}

/** Logits [BATCH] of nn.paperCnn: conv 5×5 → pool → ELU, two conv 3×3 blocks, dense 256 → 128 → 1. */
function model(p: Params, x: Tensor): Tensor {
  return T(reshape(cnn.apply(p, x as never), [BATCH]));
}

function bce(logits: Tensor, y: Tensor): Tensor {
  return T(mean(sub(softplus(logits), mul(y, logits))));
}

/** Mean squared cosine between the CT channel of each image's input gradient and a feature gradient v: the paper's alignment reward. */
function alignment(gx: Tensor, v: Tensor): Tensor {
  const g = T(slice(gx, [0, 0, 0, 0], [BATCH, 1, SIDE, SIDE]));
  const dot = T(sum(mul(g, v), [1, 2, 3]));
  return T(mean(div(mul(dot, dot), mul(sum(mul(g, g), [1, 2, 3]), sum(mul(v, v), [1, 2, 3])))));
}

/**
 * BCE − λ·alignment with one forward pass: vjp gives the logits and, through its pullback, the
 * input gradients of the same pass (images are independent, so a cotangent of ones yields each
 * image's ∇ₓ f). The outer gradient then differentiates that forward pass once, for both terms.
 */
function regularisedShared(p: Params, x: Tensor, y: Tensor, v: Tensor): Tensor {
  const [logits, pullback] = vjp((xi: Tensor) => model(p, xi), x);
  const [gx] = pullback(T(ones([BATCH])) as never);
  return T(sub(bce(logits, y), mul(LAMBDA, alignment(gx as Tensor, v))));
}

/** The same loss written naively: the gradient term runs its own forward pass, so the outer gradient differentiates two. */
function regularisedSeparate(p: Params, x: Tensor, y: Tensor, v: Tensor): Tensor {
  const gx = grad((xi: Tensor) => T(sum(model(p, xi))))(x);
  return T(sub(bce(model(p, x), y), mul(LAMBDA, alignment(gx, v))));
}

// ------------------------------------------------------------------ running

export interface Row {
  readonly name: string;
  readonly group: 'chain' | 'cnn';
  readonly medianMs: number;
  readonly meanMs: number;
  readonly samples: number;
  /** chain: µs per op; cnn: ms per image */
  readonly perUnit: number;
  readonly unit: 'µs/op' | 'ms/image';
  /** relative to the plain evaluation / forward pass of the same group */
  readonly vsBase: number;
}

export interface AdBenchResult {
  readonly meta: { date: string; node: string; cpu: string; threads: number };
  readonly rows: Row[];
  readonly targets: { name: string; ratio: number; limit: number; met: boolean }[];
}

interface Spec {
  readonly name: string;
  readonly group: Row['group'];
  readonly fn: () => unknown;
  readonly base: string;
}

function specs(): Spec[] {
  const x0 = T(random.uniform(random.key(1), [CHAIN_WIDTH], { low: -1, high: 1 }));
  const t0 = T(random.normal(random.key(2), [CHAIN_WIDTH]));
  const ct = T(ones([CHAIN_WIDTH]));
  const params = init(3);
  const k = random.split(random.key(4), 3);
  const x = T(random.normal(k[0]!, [BATCH, 2, SIDE, SIDE]));
  const v = T(random.normal(k[1]!, [BATCH, 1, SIDE, SIDE]));
  const labels = T(tensor(Array.from(random.uniform(k[2]!, [BATCH]).data, (u) => (u < 0.5 ? 1 : 0)), [BATCH]));
  const chainEval = 'chain eval';
  const fwd = 'cnn forward';
  return [
    { name: chainEval, group: 'chain', base: chainEval, fn: () => chain(x0) },
    { name: 'chain jvp', group: 'chain', base: chainEval, fn: () => jvp(chain, [x0], [t0]) },
    {
      name: 'chain vjp',
      group: 'chain',
      base: chainEval,
      fn: () => {
        const [, pullback] = vjp(chain, x0);
        return pullback(ct);
      },
    },
    { name: fwd, group: 'cnn', base: fwd, fn: () => model(params, x) },
    { name: 'cnn input gradient', group: 'cnn', base: fwd, fn: () => grad((xi: Tensor) => T(sum(model(params, xi))))(x) },
    { name: 'cnn parameter gradient', group: 'cnn', base: fwd, fn: () => grad((p: Params) => bce(model(p, x), labels))(params) },
    { name: 'cnn regularised gradient (shared forward)', group: 'cnn', base: fwd, fn: () => grad((p: Params) => regularisedShared(p, x, labels, v))(params) },
    { name: 'cnn regularised gradient (separate forward)', group: 'cnn', base: fwd, fn: () => grad((p: Params) => regularisedSeparate(p, x, labels, v))(params) },
  ];
}

export async function runAdBench(): Promise<AdBenchResult> {
  const list = specs();
  // The CNN tasks take seconds each: a few samples are enough, the chain gets a time budget.
  const benches = {
    chain: new Bench({ name: 'ad chain', time: 1000, iterations: 10, warmupTime: 200, warmupIterations: 3, throws: true }),
    cnn: new Bench({ name: 'ad cnn', time: 0, iterations: 5, warmupTime: 0, warmupIterations: 1, throws: true }),
  };
  for (const s of list) benches[s.group].add(s.name, s.fn);
  await benches.chain.run();
  await benches.cnn.run();
  const median = new Map<string, number>();
  const rows: Row[] = [];
  for (const s of list) {
    const r = benches[s.group].getTask(s.name)?.result;
    if (!r || !('latency' in r)) throw new Error(`benchmark ${s.name} produced no statistics (${r?.state})`);
    const med = r.latency.p50;
    median.set(s.name, med);
    rows.push({
      name: s.name,
      group: s.group,
      medianMs: med,
      meanMs: r.latency.mean,
      samples: r.latency.samplesCount,
      perUnit: s.group === 'chain' ? (med * 1000) / CHAIN_LENGTH : med / BATCH,
      unit: s.group === 'chain' ? 'µs/op' : 'ms/image',
      vsBase: med / median.get(s.base)!,
    });
  }
  const ratio = (a: string, b: string) => median.get(a)! / median.get(b)!;
  const targets = [
    { name: 'parameter gradient / forward', ratio: ratio('cnn parameter gradient', 'cnn forward'), limit: 3 },
    { name: 'regularised (shared forward) / parameter gradient', ratio: ratio('cnn regularised gradient (shared forward)', 'cnn parameter gradient'), limit: 3 },
  ].map((t) => ({ ...t, met: t.ratio <= t.limit }));
  const result: AdBenchResult = {
    meta: { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', threads: 1 },
    rows,
    targets,
  };
  console.log(formatTable(result));
  const dir = resultsDir();
  const file = join(dir, 'ad.json');
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${file}`);
  return result;
}

export function formatTable({ rows, targets }: AdBenchResult): string {
  const head = ['task', 'median ms', 'per unit', 'vs base'];
  const body = rows.map((r) => [r.name, r.medianMs.toFixed(2), `${r.perUnit.toFixed(r.group === 'chain' ? 2 : 1)} ${r.unit}`, `${r.vsBase.toFixed(2)}x`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const table = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  const goals = targets.map((t) => `${t.name}: ${t.ratio.toFixed(2)}x (target ≤ ${t.limit}x) ${t.met ? 'met' : 'MISSED'}`);
  return [...table, '', ...goals].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runAdBench().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
