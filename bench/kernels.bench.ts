/**
 * CPU kernel benchmarks (tinybench): blocked matmul, conv2d forward and both adjoints.
 *
 *   npx tsx bench/kernels.bench.ts        prints a table and writes bench/results/kernels.json
 *
 * `runKernelBench()` is exported for bench/run.ts: it prints the table, writes the JSON and returns
 * the rows.
 */
import { resultsDir } from './results-dir.ts';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { conv2d, conv2dFilterAdjoint, conv2dInputAdjoint } from '../src/tensor/kernels/conv.ts';
import { matmul } from '../src/tensor/kernels/matmul.ts';
import type { Conv2dGeometry, MatmulGeometry } from '../src/tensor/kernels/types.ts';

export interface Row {
  /** task name, e.g. "conv2d fwd L2 n=8" */
  readonly name: string;
  readonly kernel: 'matmul' | 'conv2d' | 'conv2dInputAdjoint' | 'conv2dFilterAdjoint';
  /** human-readable shape description */
  readonly shape: string;
  readonly dtype: 'f32';
  /** floating-point operations per call (2 per multiply-add) */
  readonly flops: number;
  readonly medianMs: number;
  readonly meanMs: number;
  readonly gflops: number;
  readonly samples: number;
  /** for adjoints: median time relative to the matching forward conv */
  readonly vsForward?: number;
}

function randomF32(len: number, seed: number): Float32Array {
  const a = new Float32Array(len);
  let s = seed | 0 || 1;
  for (let i = 0; i < len; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

function sameConv(n: number, c: number, o: number, hw: number, k: number): Conv2dGeometry {
  const pad = (k - 1) >> 1;
  return { n, c, o, h: hw, w: hw, kh: k, kw: k, strideH: 1, strideW: 1, padTop: pad, padLeft: pad, outH: hw, outW: hw };
}

interface Spec {
  readonly name: string;
  readonly kernel: Row['kernel'];
  readonly shape: string;
  readonly flops: number;
  readonly fn: () => void;
  readonly forwardOf?: string;
}

function matmulSpec(size: number): Spec {
  const g: MatmulGeometry = { batch: 1, m: size, k: size, n: size, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const a = randomF32(size * size, 1), b = randomF32(size * size, 2), out = new Float32Array(size * size);
  return {
    name: `matmul ${size}`,
    kernel: 'matmul',
    shape: `[${size},${size}]·[${size},${size}]`,
    flops: 2 * size ** 3,
    fn: () => matmul(a, b, out, g),
  };
}

function convSpecs(label: string, g: Conv2dGeometry, which: readonly Row['kernel'][]): Spec[] {
  const x = randomF32(g.n * g.c * g.h * g.w, 3);
  const w = randomF32(g.o * g.c * g.kh * g.kw, 4);
  const y = randomF32(g.n * g.o * g.outH * g.outW, 5);
  const dx = new Float32Array(x.length), dw = new Float32Array(w.length), out = new Float32Array(y.length);
  const flops = 2 * g.n * g.o * g.c * g.kh * g.kw * g.outH * g.outW;
  const shape = `x[${g.n},${g.c},${g.h},${g.w}] w[${g.o},${g.c},${g.kh},${g.kw}] pad ${g.padTop}`;
  const fwdName = `conv2d fwd ${label}`;
  const specs: Spec[] = [];
  for (const kernel of which) {
    if (kernel === 'conv2d') specs.push({ name: fwdName, kernel, shape, flops, fn: () => conv2d(x, w, g, out) });
    if (kernel === 'conv2dInputAdjoint')
      specs.push({ name: `conv2d dX  ${label}`, kernel, shape, flops, forwardOf: fwdName, fn: () => conv2dInputAdjoint(y, w, g, dx) });
    if (kernel === 'conv2dFilterAdjoint')
      specs.push({ name: `conv2d dW  ${label}`, kernel, shape, flops, forwardOf: fwdName, fn: () => conv2dFilterAdjoint(x, y, g, dw) });
  }
  return specs;
}

function specs(): Spec[] {
  const all: Row['kernel'][] = ['conv2d', 'conv2dInputAdjoint', 'conv2dFilterAdjoint'];
  const out: Spec[] = [matmulSpec(256), matmulSpec(512), matmulSpec(1024)];
  out.push(...convSpecs('5x5 1->16 512²', sameConv(1, 1, 16, 512, 5), all));
  for (const n of [1, 8]) {
    out.push(...convSpecs(`L1 n=${n}`, sameConv(n, 2, 16, 128, 5), all));
    out.push(...convSpecs(`L2 n=${n}`, sameConv(n, 16, 32, 64, 3), all));
    out.push(...convSpecs(`L3 n=${n}`, sameConv(n, 32, 64, 32, 3), all));
  }
  return out;
}

/** Runs every kernel benchmark, prints the table, writes bench/results/kernels.json, returns the rows. */
export async function runKernelBench(): Promise<Row[]> {
  const rows = await measure();
  console.log(formatTable(rows));
  const dir = resultsDir();
  const file = join(dir, 'kernels.json');
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    threads: 1,
  };
  writeFileSync(file, JSON.stringify({ meta, rows }, null, 2) + '\n');
  console.log(`\nwrote ${file}`);
  return rows;
}

async function measure(): Promise<Row[]> {
  const list = specs();
  const bench = new Bench({ name: 'cpu kernels', time: 400, iterations: 5, warmupTime: 100, warmupIterations: 2, throws: true });
  for (const s of list) bench.add(s.name, s.fn);
  await bench.run();
  const median = new Map<string, number>();
  const rows: Row[] = [];
  for (const s of list) {
    const task = bench.getTask(s.name);
    const r = task?.result;
    if (!r || !('latency' in r)) throw new Error(`benchmark ${s.name} produced no statistics (${r?.state})`);
    const med = r.latency.p50;
    median.set(s.name, med);
    const fwd = s.forwardOf === undefined ? undefined : median.get(s.forwardOf);
    rows.push({
      name: s.name,
      kernel: s.kernel,
      shape: s.shape,
      dtype: 'f32',
      flops: s.flops,
      medianMs: med,
      meanMs: r.latency.mean,
      gflops: s.flops / med / 1e6,
      samples: r.latency.samplesCount,
      ...(fwd === undefined ? {} : { vsForward: med / fwd }),
    });
  }
  return rows;
}

export function formatTable(rows: readonly Row[]): string {
  const head = ['task', 'shape', 'median ms', 'GFLOP/s', 'vs fwd'];
  const body = rows.map((r) => [
    r.name,
    r.shape,
    r.medianMs.toFixed(2),
    r.gflops.toFixed(2),
    r.vsForward === undefined ? '' : `${r.vsForward.toFixed(2)}x`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runKernelBench().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
