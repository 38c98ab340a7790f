/**
 * The GPU check (scripts/gpu-check.sh bundles this file with esbuild and runs it from a
 * self-contained payload on a machine with no network): which gpu.js modes run there and the
 * kernel class each really ran; the gpujs parity checks in every one of them; the kernel bench
 * (matmul 1024, the paper CNN's conv layers at 128² and 512², both adjoints) for every gpu.js mode
 * against the wasm backend on one thread and on all cores, in the same run; and the paper CNN's
 * rewarded step end to end.
 *
 * gpu.js's WebGPU kernels return Promises, which fgflow's synchronous evaluation never runs
 * (src/backend/gpujs.ts); so this check runs the backend's own kernel sources through gpu.js
 * directly, awaiting each call, in every mode alike. The end-to-end step needs a synchronous
 * mode: the best of headlessgl and webasm.
 *
 *   node check.mjs [--budget-s 420] [--out DIR]     (in the payload; npx tsx bench/gpu-check.ts from a checkout)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import type { GPU as GPUClass, IKernelRunShortcut } from 'gpu.js';
import { disposeGpujs, disposeThreads, disposeWasm, setThreads, useGpujs, useWasm, wasmInfo, WASM_BACKEND, withBackend, GPUJS_BACKEND, gpujsInfo } from '../src/backend/node.ts';
import { kernelSettings } from '../src/backend/gpujs.ts';
import { conv2dFilterAdjointSource, conv2dInputAdjointSource, conv2dSource, matmulSource, type KernelSource } from '../src/backend/gpujs-kernels.ts';
import { abs, conv2d, conv2dFilterAdjoint, conv2dInputAdjoint, convParams, grad, matmul, random, treeLeaves, type Tensor } from '../src/index.ts';
import { convGeometry } from '../src/tensor/geometry.ts';
import type { Conv2dGeometry, MatmulGeometry } from '../src/tensor/kernels/types.ts';
import { paperCnnParams, paperLayers, rewardedLoss, stepData, type PaperParams } from './paper-cnn.ts';

type Mode = 'webgpu' | 'headlessgl' | 'webasm' | 'cpu';
const MODES: readonly Mode[] = ['webgpu', 'headlessgl', 'webasm', 'cpu'];
const T = (x: unknown) => x as Tensor;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const started = Date.now();
const budgetMs = Number(arg('budget-s', '420')) * 1000;
const left = () => budgetMs - (Date.now() - started);
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);

// ---------------------------------------------------------------- gpu.js modes

type GpuModule = typeof import('gpu.js');

/** Sets navigator.gpu from the `webgpu` package (Dawn); returns what the adapter says, or why there is none. */
async function setUpWebgpu(): Promise<{ ok: boolean; detail: string }> {
  try {
    const { create, globals } = (await import('webgpu')) as unknown as { create: (flags: string[]) => { requestAdapter: (o?: object) => Promise<unknown> }; globals: object };
    Object.assign(globalThis, globals);
    const gpu = create([]);
    (globalThis as { navigator?: unknown }).navigator = { gpu };
    const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as { info?: Record<string, string> } | null;
    if (!adapter) return { ok: false, detail: 'Dawn found no WebGPU adapter' };
    const info = adapter.info ?? {};
    return { ok: true, detail: `adapter: ${[info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'no info'}` };
  } catch (e) {
    return { ok: false, detail: `the webgpu package (Dawn) could not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}

interface Direct {
  readonly mode: Mode;
  readonly gpu: GPUClass;
  readonly kernels: Map<string, IKernelRunShortcut>;
  kernelClass: string | null;
}

/** Runs one of the backend's kernel sources on gpu.js, awaiting the result (WebGPU kernels return Promises). */
async function runDirect(d: Direct, key: string, src: () => KernelSource, inputs: Float32Array[]): Promise<Float32Array> {
  let k = d.kernels.get(key);
  if (!k) {
    const s = src();
    k = d.gpu.createKernel(s.source, kernelSettings(s));
    d.kernels.set(key, k);
  }
  const out = await (k as unknown as (...a: Float32Array[]) => unknown)(...inputs);
  d.kernelClass = (k as unknown as { kernel?: { constructor: { name: string } } }).kernel?.constructor.name ?? 'unknown';
  if (!(out instanceof Float32Array)) throw new Error(`${key}: gpu.js returned ${Object.prototype.toString.call(out)}`);
  return out;
}

// ---------------------------------------------------------------- cases

interface Case {
  readonly name: string;
  readonly size: string;
  readonly flops: number;
  /** Terms per output sum (for the float32 error bound). */
  readonly terms: number;
  readonly key: string;
  readonly source: () => KernelSource;
  readonly inputs: [Tensor, Tensor];
  /** The reference (cpu backend) and the same map on absolute values (the bound's scale). */
  readonly reference: (a: Tensor, b: Tensor) => Tensor;
  /** The same computation through fgflow's ops (for the wasm backend). */
  readonly op: () => Tensor;
}

const normal = (seed: number, shape: number[]) => T(random.normal(random.key(seed), shape));
const f32 = (t: Tensor) => t.data as Float32Array;

function matmulCase(s: number, seed = s): Case {
  const a = normal(seed, [s, s]), b = normal(seed + 1, [s, s]);
  const g: MatmulGeometry = { batch: 1, m: s, n: s, k: s, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const f = (x: Tensor, y: Tensor) => T(matmul(x as never, y as never));
  return { name: 'matmul', size: `${s}`, flops: 2 * s ** 3, terms: s, key: `matmul:${s}`, source: () => matmulSource(g), inputs: [a, b], reference: f, op: () => f(a, b) };
}

function convCases(hw: number, batch = 1): Case[] {
  const out: Case[] = [];
  for (const [i, layer] of paperLayers(hw).entries()) {
    const xs = [batch, ...layer.x.slice(1)];
    const x = normal(10 + i, xs), w = normal(20 + i, layer.w);
    const p = convParams('conv2d', xs, layer.w, 1, 'same');
    const g: Conv2dGeometry = convGeometry(batch, layer.w[1]!, layer.w[0]!, p);
    const y = normal(30 + i, [batch, g.o, g.outH, g.outW]);
    const flops = 2 * batch * g.o * g.c * g.kh * g.kw * g.outH * g.outW;
    const size = `${layer.name} ${hw}²`;
    const fwd = (a: Tensor, b: Tensor) => T(conv2d(a, b as never, { padding: 'same' }));
    const dx = (a: Tensor, b: Tensor) => conv2dInputAdjoint(a, b, p);
    const dw = (a: Tensor, b: Tensor) => conv2dFilterAdjoint(a, b, p);
    const key = (k: string) => `${k}:${JSON.stringify(g)}`;
    out.push(
      { name: 'conv2d', size, flops, terms: g.c * g.kh * g.kw, key: key('conv2d'), source: () => conv2dSource(g), inputs: [x, w], reference: fwd, op: () => fwd(x, w) },
      { name: 'conv2dInputAdjoint', size, flops, terms: g.o * g.kh * g.kw, key: key('dx'), source: () => conv2dInputAdjointSource(g), inputs: [y, w], reference: dx, op: () => dx(y, w) },
      { name: 'conv2dFilterAdjoint', size, flops, terms: batch * g.outH * g.outW, key: key('dw'), source: () => conv2dFilterAdjointSource(g), inputs: [x, y], reference: dw, op: () => dw(x, y) },
    );
  }
  return out;
}

/** The largest |got − want| over its float32 bound (terms + 2)·u·Σ|a·b|: at most 1 when the kernel is right. */
function boundRatio(got: Float32Array, c: Case): number {
  const want = withBackend('cpu', () => c.reference(...c.inputs)).data;
  const scale = withBackend('cpu', () => c.reference(T(abs(c.inputs[0])), T(abs(c.inputs[1])))).data;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const r = Math.abs(got[i]! - want[i]!) / ((c.terms + 2) * 2 ** -24 * scale[i]! + Number.MIN_VALUE);
    if (!(r <= worst)) worst = r;
  }
  return worst;
}

async function time(fn: () => unknown, budget: number): Promise<{ medianMs: number; samples: number }> {
  const t0 = performance.now();
  await fn();
  const first = performance.now() - t0;
  const n = Math.max(1, Math.min(5, Math.floor(budget / Math.max(first, 1))));
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
    await new Promise((resolve) => setImmediate(resolve));
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[times.length >> 1]!, samples: n };
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  const outDir = arg('out', 'gpu-check-results');
  mkdirSync(outDir, { recursive: true });
  const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: availableParallelism() };
  try {
    report.nvidiaSmi = execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8' }).trim();
  } catch {
    report.nvidiaSmi = 'nvidia-smi not found or failed: no NVIDIA GPU visible';
  }
  log(`machine: ${report.cpu}, ${report.cores} cores, node ${report.node}; GPU: ${report.nvidiaSmi}`);

  const { GPU } = createRequire(import.meta.url)('gpu.js') as GpuModule;
  const webgpu = await setUpWebgpu();
  const available: Partial<Record<Mode, string | null>> = {};
  for (const mode of MODES) {
    if (mode === 'webgpu') available.webgpu = webgpu.ok ? null : webgpu.detail;
    else if (mode === 'headlessgl') available.headlessgl = GPU.isHeadlessGLSupported ? null : 'headless-gl (the `gl` package) is not installed or cannot create a context';
    else if (mode === 'webasm') available.webasm = GPU.isWebAssemblySupported ? null : 'WebAssembly is not available';
    else available.cpu = null;
    log(`gpu.js ${mode}: ${available[mode] === null ? `available${mode === 'webgpu' ? ` (${webgpu.detail})` : ''}` : `unavailable: ${available[mode]}`}`);
  }
  report.modes = available;
  const runnable = MODES.filter((m) => available[m] === null);

  // parity: small geometries, every kernel, every mode
  const parityCases = [matmulCase(37, 5), ...convCases(24, 2)];
  const parity: Record<string, Record<string, number | string>> = {};
  const directs = new Map<Mode, Direct>();
  for (const mode of runnable) {
    const d: Direct = { mode, gpu: new GPU({ mode }), kernels: new Map(), kernelClass: null };
    directs.set(mode, d);
    parity[mode] = {};
    for (const c of parityCases) {
      try {
        const got = await runDirect(d, `parity:${c.key}`, c.source, c.inputs.map(f32));
        parity[mode]![`${c.name} ${c.size}`] = boundRatio(got, c);
      } catch (e) {
        parity[mode]![`${c.name} ${c.size}`] = `failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    const worst = Object.values(parity[mode]!).reduce<number | string>((w, v) => (typeof v === 'string' ? v : typeof w === 'string' ? w : Math.max(w, v)), 0);
    log(`parity ${mode} (kernel class ${d.kernelClass}): ${typeof worst === 'number' ? `worst error ${worst.toFixed(3)} of the float32 bound: ${worst <= 1 ? 'PASS' : 'FAIL'}` : `FAIL ${worst}`}`);
  }
  report.parity = parity;

  // the kernel bench: every mode against wasm on 1 thread and on all cores
  const cases = [matmulCase(1024), ...convCases(128), ...convCases(512)];
  const rows: Record<string, unknown>[] = [];
  const threads = availableParallelism();
  setThreads({ threads });
  const engines: { label: string; run: (c: Case) => Promise<unknown> | unknown; ran: () => string }[] = [];
  for (const t of [1, threads]) {
    engines.push({
      label: `wasm ${t} thread${t === 1 ? '' : 's'}`,
      run: (c) => {
        useWasm({ threads: t, select: false });
        return withBackend(WASM_BACKEND, c.op);
      },
      ran: () => wasmInfo().actual,
    });
  }
  for (const mode of runnable) {
    const d = directs.get(mode)!;
    engines.push({ label: `gpujs ${mode}`, run: (c) => runDirect(d, c.key, c.source, c.inputs.map(f32)), ran: () => d.kernelClass ?? 'none ran' });
  }
  for (const c of cases) {
    const cells: string[] = [];
    for (const e of engines) {
      // keep the last minutes for the end-to-end step; the slowest engines give way first
      if (left() < 90_000) {
        rows.push({ kernel: c.name, size: c.size, engine: e.label, skipped: 'time budget' });
        cells.push(`${e.label} skipped`);
        continue;
      }
      try {
        const t = await time(() => e.run(c), 1500);
        const gflops = c.flops / t.medianMs / 1e6;
        rows.push({ kernel: c.name, size: c.size, engine: e.label, ran: e.ran(), medianMs: t.medianMs, samples: t.samples, gflops });
        cells.push(`${e.label} ${gflops.toFixed(1)} (${e.ran()})`);
      } catch (e2) {
        rows.push({ kernel: c.name, size: c.size, engine: e.label, failed: e2 instanceof Error ? e2.message : String(e2) });
        cells.push(`${e.label} failed`);
      }
    }
    log(`${c.name.padEnd(20)} ${c.size.padEnd(8)} GFLOP/s: ${cells.join(' | ')}`);
  }
  report.kernels = rows;
  for (const c of cases.filter((k) => k.size.endsWith('512²'))) {
    const wasm = rows.find((r) => r.kernel === c.name && r.size === c.size && r.engine === `wasm ${threads} threads`)?.gflops as number | undefined;
    for (const mode of runnable) {
      const g = rows.find((r) => r.kernel === c.name && r.size === c.size && r.engine === `gpujs ${mode}`)?.gflops as number | undefined;
      if (wasm && g) log(`target gpujs ${mode} ≥ 10× wasm (${threads} threads) on ${c.name} ${c.size}: ${(g / wasm).toFixed(2)}× — ${g >= 10 * wasm ? 'met' : 'not met'}`);
    }
  }

  // end to end: the paper CNN's rewarded step at 128², batch 8
  const e2e: Record<string, unknown>[] = [];
  const params = paperCnnParams(128);
  const data = stepData(8, 128);
  const step = () => void treeLeaves(grad((p: PaperParams) => rewardedLoss(p, data))(params));
  const syncMode = runnable.find((m) => m === 'headlessgl' || m === 'webasm');
  const steps: [string, () => void, () => string][] = [
    [`wasm ${threads} threads`, () => { useWasm({ threads, select: false }); withBackend(WASM_BACKEND, step); }, () => wasmInfo().actual],
  ];
  if (syncMode) steps.push([`gpujs ${syncMode}`, () => withBackend(GPUJS_BACKEND, step), () => gpujsInfo().kernelClass ?? 'none ran']);
  if (syncMode) useGpujs({ mode: syncMode, select: false });
  for (const [label, fn, ran] of steps) {
    if (left() < 20_000) {
      e2e.push({ engine: label, skipped: 'time budget' });
      continue;
    }
    const t = await time(fn, Math.min(20_000, left() / 3));
    e2e.push({ engine: label, ran: ran(), msPerImage: t.medianMs / 8, samples: t.samples });
    log(`rewarded step 128² batch 8, ${label}: ${(t.medianMs / 8).toFixed(1)} ms/image (${ran()})`);
  }
  if (runnable.includes('webgpu')) log('rewarded step on gpujs webgpu: not run (fgflow evaluates synchronously; gpu.js WebGPU kernels return Promises)');
  report.endToEnd = e2e;

  const file = join(outDir, 'gpu-check.json');
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  log(`wrote ${file}`);
  disposeWasm();
  await Promise.all([disposeThreads(), disposeGpujs(), ...[...directs.values()].map((d) => d.gpu.destroy())]);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
