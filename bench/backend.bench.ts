/**
 * Backend benchmarks (tinybench): each hot kernel under each backend, then the paper's CNN end to
 * end.
 *   kernels     matmul 256/512/1024 and conv2d with both adjoints on the paper CNN's three conv
 *               layers at 128² and 512², for cpu (1 thread), cpu-threads (all cores), wasm (1
 *               thread and all cores) and gpujs in every gpu.js mode that runs here (the kernel
 *               class that ran is recorded).
 *   end to end  the paper CNN (conv 5×5 2→16, conv 3×3 16→32, conv 3×3 32→64, each followed by a
 *               2×2 average pool and ELU; dense 256, 128, 1) at 128², batch 8, and at 512²,
 *               batch 4 (wasm and cpu-threads): forward, the plain training step (parameter
 *               gradient of BCE) and the alignment-rewarded step (parameter gradient of
 *               BCE − λ·cos²(∇ₓf, v)), per image.
 * Every call goes through the public ops and the registry, as model code does, and each sample
 * ends by yielding to the event loop, as a training loop does between steps (the wasm backend's
 * result buffers are freed by finalizers, which run then).
 *
 *   npx tsx bench/backend.bench.ts [--quick] [--kernels | --e2e]
 *     prints the tables and writes bench/results/backend.json (--quick: small sizes, written to
 *     backend.quick.json; --kernels / --e2e: only that part)
 *
 * `runBackendBench()` is exported for bench/run.ts.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import {
  disposeGpujs, disposeThreads, disposeWasm, getThreads, gpujsInfo, gpujsModeUnavailable, GPUJS_BACKEND, setThreads, threadsInfo, THREADS_BACKEND, useGpujs,
  resetWasmCounters, useWasm, wasmInfo, WASM_BACKEND, withBackend, type GpujsRunMode,
} from '../src/backend/node.ts';
import { conv2d, conv2dFilterAdjoint, conv2dInputAdjoint, convParams, grad, matmul, random, treeLeaves, type ConvParams, type Tensor } from '../src/index.ts';
import { bceLoss, paperCnn, paperCnnParams, paperLayers, rewardedLoss, stepData, type PaperParams } from './paper-cnn.ts';
import { resultsDir } from './results-dir.ts';

export { bceLoss, paperCnn, paperCnnParams, paperLayers, rewardedLoss, stepData, type PaperParams, type StepData } from './paper-cnn.ts';

const T = (x: unknown) => x as Tensor;

// ---------------------------------------------------------------- measuring

export interface Timing {
  readonly medianMs: number;
  readonly meanMs: number;
  readonly samples: number;
}

/**
 * Median of a task after a warm-up call (which compiles gpu.js kernels and starts worker pools).
 * The sample count adapts to the task's length so slow tasks stay inside the run's time budget.
 */
export async function measure(name: string, fn: () => void, budgetMs: number, minSamples = 3, maxSamples = 40): Promise<Timing> {
  const t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  await yieldToEventLoop();
  const iterations = Math.max(minSamples, Math.min(maxSamples, Math.floor(budgetMs / Math.max(first, 0.01))));
  const bench = new Bench({ name, time: 0, iterations, warmupTime: 0, warmupIterations: first < 50 ? 3 : 0, throws: true });
  bench.add(name, async () => {
    fn();
    await yieldToEventLoop();
  });
  await bench.run();
  const r = bench.getTask(name)?.result;
  if (!r || !('latency' in r)) throw new Error(`benchmark ${name} produced no statistics`);
  return { medianMs: r.latency.p50, meanMs: r.latency.mean, samples: r.latency.samplesCount };
}

/** One turn of the event loop (finalizers, timers): what a training loop does between steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------- backends

export interface Engine {
  /** Row label, e.g. "cpu 1 thread", "cpu-threads 2", "gpujs webasm". */
  readonly label: string;
  readonly backend: string;
  readonly mode: string;
  /** Prepares the backend; returns false (with the reason logged) when it cannot run here. */
  readonly setup: () => boolean;
  readonly run: <R>(fn: () => R) => R;
  /** gpu.js's kernel class after the last call, threads running for cpu-threads. */
  readonly detail: () => string;
}

export function engines(gpujsModes: readonly GpujsRunMode[] = ['webasm', 'cpu']): Engine[] {
  const threads = availableParallelism();
  const list: Engine[] = [
    { label: 'cpu 1 thread', backend: 'cpu', mode: '1 thread', setup: () => true, run: (fn) => withBackend('cpu', fn), detail: () => 'TypeScript' },
    {
      label: `cpu-threads ${threads}`,
      backend: THREADS_BACKEND,
      mode: `${threads} threads`,
      setup: () => {
        setThreads({ threads });
        return true;
      },
      run: (fn) => withBackend(THREADS_BACKEND, fn),
      detail: () => threadsInfo().actual,
    },
    ...[...new Set([1, threads])].map((t): Engine => ({
      label: `wasm ${t} thread${t === 1 ? '' : 's'}`,
      backend: WASM_BACKEND,
      mode: `${t} thread${t === 1 ? '' : 's'}`,
      setup: () => {
        setThreads({ threads });
        const info = useWasm({ threads: t, select: false });
        if (info.actual === 'cpu') console.log(`wasm: skipped (${info.reason})`);
        return info.actual !== 'cpu';
      },
      run: (fn) => withBackend(WASM_BACKEND, fn),
      detail: () => wasmInfo().actual,
    })),
  ];
  for (const mode of gpujsModes) {
    list.push({
      label: `gpujs ${mode}`,
      backend: GPUJS_BACKEND,
      mode,
      setup: () => {
        const why = gpujsModeUnavailable(mode);
        if (why !== null) {
          console.log(`gpujs ${mode}: skipped (${why})`);
          return false;
        }
        return useGpujs({ mode, select: false }).actual === mode;
      },
      run: (fn) => withBackend(GPUJS_BACKEND, fn),
      detail: () => gpujsInfo().kernelClass ?? 'none ran',
    });
  }
  return list;
}

// ---------------------------------------------------------------- kernels

export type KernelName = 'matmul' | 'conv2d' | 'conv2dInputAdjoint' | 'conv2dFilterAdjoint';

export interface KernelCase {
  readonly kernel: KernelName;
  /** e.g. "1024" or "L2 128²". */
  readonly size: string;
  readonly shape: string;
  readonly flops: number;
  readonly fn: () => Tensor;
}

export interface KernelRow {
  readonly kernel: KernelName;
  readonly size: string;
  readonly shape: string;
  readonly engine: string;
  readonly backend: string;
  readonly mode: string;
  /** The gpu.js kernel class that ran, or the threads that ran. */
  readonly ran: string;
  readonly flops: number;
  readonly medianMs: number;
  readonly samples: number;
  readonly gflops: number;
}

export function matmulCases(sizes: readonly number[]): KernelCase[] {
  return sizes.map((s) => {
    const a = T(random.normal(random.key(s), [s, s]));
    const b = T(random.normal(random.key(s + 1), [s, s]));
    return { kernel: 'matmul', size: `${s}`, shape: `[${s},${s}]·[${s},${s}]`, flops: 2 * s ** 3, fn: () => T(matmul(a as never, b as never)) };
  });
}

export function convCases(hw: number): KernelCase[] {
  const out: KernelCase[] = [];
  for (const [i, layer] of paperLayers(hw).entries()) {
    const x = T(random.normal(random.key(100 + i), layer.x));
    const w = T(random.normal(random.key(200 + i), layer.w));
    const p: ConvParams = convParams('conv2d', layer.x, layer.w, 1, 'same');
    const y = T(random.normal(random.key(300 + i), [layer.x[0]!, layer.w[0]!, p.outH, p.outW]));
    const flops = 2 * layer.x[0]! * layer.w[0]! * layer.w[1]! * layer.w[2]! * layer.w[3]! * p.outH * p.outW;
    const size = `${layer.name} ${hw}²`;
    const shape = `x[${layer.x.join(',')}] w[${layer.w.join(',')}]`;
    out.push(
      { kernel: 'conv2d', size, shape, flops, fn: () => T(conv2d(x, w as never, { padding: 'same' })) },
      { kernel: 'conv2dInputAdjoint', size, shape, flops, fn: () => conv2dInputAdjoint(y, w, p) },
      { kernel: 'conv2dFilterAdjoint', size, shape, flops, fn: () => conv2dFilterAdjoint(x, y, p) },
    );
  }
  return out;
}

async function kernelRows(list: readonly Engine[], cases: readonly KernelCase[], budgetMs: number): Promise<KernelRow[]> {
  const rows: KernelRow[] = [];
  for (const e of list) {
    if (!e.setup()) continue;
    for (const c of cases) {
      const t = await measure(`${c.kernel} ${c.size} ${e.label}`, () => e.run(c.fn), budgetMs);
      rows.push({
        kernel: c.kernel, size: c.size, shape: c.shape, engine: e.label, backend: e.backend, mode: e.mode, ran: e.detail(),
        flops: c.flops, medianMs: t.medianMs, samples: t.samples, gflops: c.flops / t.medianMs / 1e6,
      });
      console.log(`  ${c.kernel.padEnd(20)} ${c.size.padEnd(8)} ${e.label.padEnd(14)} ${t.medianMs.toFixed(2).padStart(9)} ms ${(c.flops / t.medianMs / 1e6).toFixed(2).padStart(7)} GFLOP/s  (${e.detail()})`);
    }
  }
  return rows;
}

export interface EndToEndRow {
  readonly task: 'forward' | 'train step' | 'rewarded step';
  readonly engine: string;
  readonly backend: string;
  readonly mode: string;
  readonly ran: string;
  readonly batch: number;
  readonly size: number;
  readonly medianMs: number;
  readonly msPerImage: number;
  readonly samples: number;
  /**
   * wasm only, from one more step with the backend's counters cleared: the milliseconds spent
   * copying operands into the wasm memory, the bytes copied, and the step's milliseconds.
   */
  readonly wasmCopy?: { readonly copyInMs: number; readonly copiedInBytes: number; readonly stepMs: number };
}

/** One more step of `fn` on the wasm backend, with its counters cleared: how much of it went into copying operands in. */
async function wasmCopyCost(e: Engine, fn: () => void): Promise<EndToEndRow['wasmCopy']> {
  resetWasmCounters();
  const t0 = performance.now();
  e.run(fn);
  const stepMs = performance.now() - t0;
  const d = wasmInfo().details as { copyInMs: number; copiedInBytes: number };
  await yieldToEventLoop();
  return { copyInMs: d.copyInMs, copiedInBytes: d.copiedInBytes, stepMs };
}

export async function endToEndRows(list: readonly Engine[], batch: number, hw: number, budgetMs: number): Promise<EndToEndRow[]> {
  const params = paperCnnParams(hw);
  const data = stepData(batch, hw);
  const tasks: [EndToEndRow['task'], () => void][] = [
    ['forward', () => void paperCnn(params, data.x)],
    ['train step', () => void treeLeaves(grad((p: PaperParams) => bceLoss(p, data))(params))],
    ['rewarded step', () => void treeLeaves(grad((p: PaperParams) => rewardedLoss(p, data))(params))],
  ];
  const rows: EndToEndRow[] = [];
  for (const e of list) {
    if (!e.setup()) continue;
    for (const [task, fn] of tasks) {
      const t = await measure(`${task} ${e.label}`, () => e.run(fn), budgetMs, 3, 10);
      const wasmCopy = e.backend === WASM_BACKEND ? await wasmCopyCost(e, fn) : undefined;
      rows.push({
        task, engine: e.label, backend: e.backend, mode: e.mode, ran: e.detail(), batch, size: hw,
        medianMs: t.medianMs, msPerImage: t.medianMs / batch, samples: t.samples, ...(wasmCopy ? { wasmCopy } : {}),
      });
      const copy = wasmCopy ? `; copying in ${wasmCopy.copyInMs.toFixed(2)} ms (${(wasmCopy.copiedInBytes / 1e6).toFixed(1)} MB) = ${((100 * wasmCopy.copyInMs) / wasmCopy.stepMs).toFixed(2)}% of a step` : '';
      console.log(`  ${task.padEnd(14)} ${e.label.padEnd(14)} ${(t.medianMs / batch).toFixed(1).padStart(8)} ms/image  (${t.medianMs.toFixed(0)} ms per batch of ${batch}, ${e.detail()}${copy})`);
    }
  }
  return rows;
}

// ---------------------------------------------------------------- report

export interface BackendBenchResult {
  readonly meta: Record<string, unknown>;
  readonly kernels: KernelRow[];
  readonly endToEnd: EndToEndRow[];
}

export function formatKernelTable(rows: readonly KernelRow[]): string {
  const engines = [...new Set(rows.map((r) => r.engine))];
  const keys = [...new Set(rows.map((r) => `${r.kernel}|${r.size}`))];
  const head = ['kernel', 'size', ...engines.map((e) => `${e} GFLOP/s`)];
  const body = keys.map((k) => {
    const [kernel, size] = k.split('|') as [string, string];
    return [kernel, size, ...engines.map((e) => rows.find((r) => r.engine === e && `${r.kernel}|${r.size}` === k)?.gflops.toFixed(2) ?? '—')];
  });
  return table(head, body);
}

export function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}


export function machine(): Record<string, unknown> {
  return { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism() };
}

export interface BackendBenchOptions {
  /** Small sizes only, a smoke run (default: --quick on the command line). */
  readonly quick?: boolean;
  /** Which parts to run (default: both, or the one named by --kernels / --e2e). */
  readonly parts?: readonly ('kernels' | 'e2e')[];
}

/** Runs the backend benchmarks, prints the tables, writes bench/results/backend.json. */
export async function runBackendBench(options: BackendBenchOptions = {}): Promise<BackendBenchResult> {
  const quick = options.quick ?? process.argv.includes('--quick');
  const named = (['kernels', 'e2e'] as const).filter((p) => process.argv.includes(`--${p}`));
  const parts = options.parts ?? (named.length ? named : ['kernels', 'e2e']);
  const saved = getThreads();
  const list = engines();
  const load0 = loadavg();
  try {
    // The TypeScript engines run everything first, gpu.js after: its WebAssembly mode grows wasm
    // memories, which detaches ArrayBuffers, and once any buffer in the process has been detached
    // V8 guards every typed-array access in optimised code (the cpu kernels lose ~17%).
    const groups = [list.filter((e) => e.backend !== GPUJS_BACKEND), list.filter((e) => e.backend === GPUJS_BACKEND)];
    const kernels: KernelRow[] = [];
    const endToEnd: EndToEndRow[] = [];
    const cases = parts.includes('kernels')
      ? [...matmulCases(quick ? [256] : [256, 512, 1024]), ...convCases(128), ...(quick ? [] : convCases(512))]
      : [];
    for (const group of groups) {
      if (parts.includes('kernels')) {
        console.log(`kernels, ${group.map((e) => e.label).join(', ')} (median of adaptive samples):`);
        kernels.push(...(await kernelRows(group, cases, quick ? 300 : 1500)));
      }
      if (parts.includes('e2e')) {
        console.log(`\nend to end, paper CNN, batch 8, ${quick ? 32 : 128}²:`);
        // gpu.js's own cpu mode is far slower than the TypeScript kernels: end to end uses the best mode only
        const best = group.filter((e) => e.backend !== GPUJS_BACKEND || e.mode === 'webasm' || e.mode === 'headlessgl');
        endToEnd.push(...(await endToEndRows(best, 8, quick ? 32 : 128, quick ? 500 : 6000)));
        // 512², batch 4 (the issue's large case): the backends that run it in seconds
        const large = group.filter((e) => e.backend === WASM_BACKEND || e.backend === THREADS_BACKEND);
        if (large.length) {
          console.log(`\nend to end, paper CNN, batch 4, ${quick ? 64 : 512}²:`);
          endToEnd.push(...(await endToEndRows(large, 4, quick ? 64 : 512, quick ? 500 : 6000)));
        }
      }
    }
    if (kernels.length) console.log(`\n${formatKernelTable(kernels)}`);
    const meta = { ...machine(), loadavgStart: load0, loadavgEnd: loadavg(), gpujs: gpujsInfo(), threads: threadsInfo(), wasm: wasmInfo() };
    const result: BackendBenchResult = { meta, kernels, endToEnd };
    const suffix = parts.length === 2 ? '' : `.${parts[0]}`;
    const file = join(resultsDir(), `backend${suffix}${quick ? '.quick' : ''}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nwrote ${file}`);
    return result;
  } finally {
    setThreads(saved);
    disposeWasm();
    await Promise.all([disposeThreads(), disposeGpujs()]);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runBackendBench().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
