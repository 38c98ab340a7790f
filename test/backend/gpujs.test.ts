/**
 * gpujs: every kernel equals the cpu kernel within the float32 error bound of its sums (see
 * support.ts), on random geometries, in every gpu.js mode that can run here: 'cpu' and 'webasm'
 * always; 'headlessgl' only where the optional `gl` package works (skipped otherwise, with the
 * reason in the test name). Also: mode selection and its reported reasons, the f64 and size
 * fallbacks, the kernel cache, dispose, and bad options.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backendInfo, disposeGpujs, gpujsInfo, gpujsModeUnavailable, GPUJS_BACKEND, setBackend, useGpujs, withBackend, type GpujsRunMode,
} from '../../src/backend/index.ts';
import {
  add, ArgumentError, avgPool2d, avgPool2dAdjoint, conv2d, conv2dFilterAdjoint, conv2dInputAdjoint, convParams, div, elu, exp, matmulT, mul, neg,
  poolParams, relu, sigmoid, square, sub, tanh, type Tensor,
} from '../../src/index.ts';
import { absT, expectIdentical, expectWithinSumBound, expectWithinUlps, normal } from './support.ts';

const T = (x: unknown) => x as Tensor;
const gpuCalls = () => ((gpujsInfo().details?.gpuCalls ?? {}) as Record<string, number>);
const callsOf = (name: string) => gpuCalls()[name] ?? 0;

/** Runs `f` on the gpujs backend and checks that gpu.js (not the cpu fallback) computed `prim`. */
function onGpu(prim: string, f: () => Tensor): Tensor {
  const before = callsOf(prim);
  const out = withBackend(GPUJS_BACKEND, f);
  expect(callsOf(prim) - before, `${prim} ran as a gpu.js kernel`).toBe(1);
  return out;
}

const glReason = gpujsModeUnavailable('headlessgl');
const modes: { mode: GpujsRunMode; skip: string | null }[] = [
  { mode: 'cpu', skip: null },
  { mode: 'webasm', skip: gpujsModeUnavailable('webasm') },
  { mode: 'headlessgl', skip: glReason },
];

afterAll(async () => {
  setBackend('cpu');
  await disposeGpujs();
});

const geometry = fc.record({
  n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }), o: fc.integer({ min: 1, max: 6 }),
  h: fc.integer({ min: 4, max: 13 }), w: fc.integer({ min: 4, max: 13 }), k: fc.integer({ min: 1, max: 5 }),
  stride: fc.integer({ min: 1, max: 3 }), padding: fc.constantFrom<'same' | 'valid' | number>('same', 'valid', 1, 2), seed: fc.integer({ min: 0, max: 1000 }),
});

for (const { mode, skip } of modes) {
  const title = skip === null ? `gpujs parity in mode '${mode}'` : `gpujs parity in mode '${mode}' — skipped: ${skip}`;
  describe.skipIf(skip !== null)(title, () => {
    it('starts in the requested mode and reports the kernel class that ran', () => {
      const info = useGpujs({ mode, minWork: 0, elementwiseMinSize: 0, select: false });
      expect(info).toMatchObject({ requested: mode, actual: mode, kernelClass: null, reason: null });
      onGpu('matmul', () => matmulT(normal(1, [3, 4]), normal(2, [4, 5])));
      const expected = { cpu: 'CPUKernel', webasm: 'WebAssemblyKernel', headlessgl: 'HeadlessGLKernel', webgpu: 'WebGPUKernel', webgl2: 'WebGL2Kernel', webgl: 'WebGLKernel' }[mode];
      expect(gpujsInfo()).toMatchObject({ actual: mode, kernelClass: expected });
    });

    it('matmul, with every transpose flag and broadcast batch', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 19 }),
          fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1000 }),
          (batch, m, k, n, transA, transB, shareB, seed) => {
            const a = normal(seed, [batch, transA ? k : m, transA ? m : k]);
            const b = normal(seed + 1, shareB ? [transB ? n : k, transB ? k : n] : [batch, transB ? n : k, transB ? k : n]);
            const f = (x: Tensor, y: Tensor) => matmulT(x, y, { transA, transB });
            const got = onGpu('matmul', () => f(a, b));
            expectWithinSumBound(got, f(a, b), f(absT(a), absT(b)), k, `matmul ${JSON.stringify({ batch, m, k, n, transA, transB, shareB })}`);
          },
        ),
        { numRuns: 12, seed: 21 },
      );
    });

    it('conv2d and both adjoints, any stride and padding', () => {
      fc.assert(
        fc.property(geometry, (g) => {
          const x = normal(g.seed, [g.n, g.c, g.h, g.w]);
          const wt = normal(g.seed + 1, [g.o, g.c, g.k, g.k]);
          if (g.k > g.h + (typeof g.padding === 'number' ? 2 * g.padding : 0) && g.padding !== 'same') return;
          if (g.k > g.w + (typeof g.padding === 'number' ? 2 * g.padding : 0) && g.padding !== 'same') return;
          const p = convParams('conv2d', x.shape, wt.shape, g.stride, g.padding);
          const y = normal(g.seed + 2, [g.n, g.o, p.outH, p.outW]);
          const label = JSON.stringify(g);
          const fwd = (a: Tensor, b: Tensor) => T(conv2d(a, b as never, { stride: g.stride, padding: g.padding }));
          expectWithinSumBound(onGpu('conv2d', () => fwd(x, wt)), fwd(x, wt), fwd(absT(x), absT(wt)), g.c * g.k * g.k, `conv2d ${label}`);
          const dx = (a: Tensor, b: Tensor) => conv2dInputAdjoint(a, b, p);
          expectWithinSumBound(onGpu('conv2dInputAdjoint', () => dx(y, wt)), dx(y, wt), dx(absT(y), absT(wt)), g.o * g.k * g.k, `input adjoint ${label}`);
          const dw = (a: Tensor, b: Tensor) => conv2dFilterAdjoint(a, b, p);
          expectWithinSumBound(onGpu('conv2dFilterAdjoint', () => dw(x, y)), dw(x, y), dw(absT(x), absT(y)), g.n * p.outH * p.outW, `filter adjoint ${label}`);
        }),
        { numRuns: 12, seed: 22 },
      );
    });

    it('avgPool2d and its adjoint, overlapping and strided windows', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 3, max: 14 }), fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1000 }),
          (n, c, hw, size, stride, seed) => {
            const x = normal(seed, [n, c, hw, hw + 1]);
            const p = poolParams('avgPool2d', x.shape, size, stride);
            const y = normal(seed + 1, [n, c, p.outH, p.outW]);
            const pool = (t: Tensor) => T(avgPool2d(t as never, { size, stride }));
            const label = JSON.stringify({ n, c, hw, size, stride });
            expectWithinSumBound(onGpu('avgPool2d', () => pool(x)), pool(x), pool(absT(x)), size * size, `avgPool2d ${label}`);
            const adj = (t: Tensor) => avgPool2dAdjoint(t, p);
            expectWithinSumBound(onGpu('avgPool2dAdjoint', () => adj(y)), adj(y), adj(absT(y)), size * size, `avgPool2dAdjoint ${label}`);
          },
        ),
        { numRuns: 12, seed: 23 },
      );
    });

    it('elementwise maps: exact ops bit-identical, transcendental ones within 8 ulps', () => {
      // values across the branches: large negatives (sigmoid's stable side), the elu polynomial near 0, overflow-free exp
      const z = T(mul(normal(30, [4, 3, 7, 9]), 6));
      const tiny = T(mul(normal(31, [4, 3, 7, 9]), 1e-3));
      for (const [name, f] of Object.entries({ neg, square, relu })) {
        expectIdentical(onGpu(name, () => T(f(z as never))), T(f(z as never)), name);
      }
      // each is at most four correctly rounded float32 operations around an exp or tanh that is itself within 1 ulp
      for (const [name, f] of Object.entries({ exp, tanh, sigmoid, elu })) {
        for (const v of [z, tiny]) expectWithinUlps(onGpu(name, () => T(f(v as never))), T(f(v as never)), 8, name);
      }
      const bias = normal(32, [1, 3, 1, 1]);
      const row = normal(33, [9]);
      for (const [name, f] of Object.entries({ add, sub, mul, div })) {
        expectIdentical(onGpu(name, () => T(f(z, tiny))), T(f(z, tiny)), `${name} same shape`);
        expectIdentical(onGpu(name, () => T(f(z, bias))), T(f(z, bias)), `${name} channel broadcast`);
        expectIdentical(onGpu(name, () => T(f(row, z))), T(f(row, z)), `${name} leading broadcast`);
        expectIdentical(onGpu(name, () => T(f(z, 2))), T(f(z, 2)), `${name} scalar`);
      }
    });
  });
}

describe('gpujs mode selection and fallbacks', () => {
  it('never runs webgpu (its kernels are asynchronous) and says why', () => {
    const info = useGpujs({ mode: 'webgpu', select: false });
    expect(info.requested).toBe('webgpu');
    expect(info.actual).not.toBe('webgpu');
    expect(info.reason).toMatch(/webgpu: gpu\.js WebGPU kernels return Promises/);
  });

  it.skipIf(glReason === null)(`falls back from headlessgl with the reason${glReason === null ? '' : ` (here: ${glReason})`}`, () => {
    const info = useGpujs({ mode: 'headlessgl', select: false });
    expect(info.actual).toBe('webasm');
    expect(info.reason).toContain(`headlessgl: ${glReason}`);
  });

  it('in Node, webgl2 and webgl fall back to webasm with the reason (only a browser has them)', () => {
    for (const mode of ['webgl2', 'webgl'] as const) {
      const info = useGpujs({ mode, select: false });
      expect(info.actual, mode).toBe('webasm');
      expect(info.reason, mode).toMatch(new RegExp(`^${mode}: ${mode === 'webgl2' ? 'WebGL2' : 'WebGL'} is not available`));
    }
  });

  it("'auto' picks the best available mode", () => {
    const info = useGpujs({ select: false });
    expect(info.requested).toBe('auto');
    expect(info.actual).toBe(glReason === null ? 'headlessgl' : 'webasm');
  });

  it('runs f64 calls and calls below the thresholds on the cpu kernels', () => {
    useGpujs({ mode: 'webasm', minWork: 1000, elementwiseMinSize: 100, select: false });
    const a64 = normal(40, [12, 12], 'f64'), b64 = normal(41, [12, 12], 'f64');
    expectIdentical(withBackend(GPUJS_BACKEND, () => matmulT(a64, b64)), matmulT(a64, b64), 'f64 matmul');
    const small = normal(42, [3, 3]);
    expectIdentical(withBackend(GPUJS_BACKEND, () => matmulT(small, small)), matmulT(small, small), 'small matmul');
    expectIdentical(withBackend(GPUJS_BACKEND, () => T(exp(small))), T(exp(small)), 'small exp');
    expect(gpuCalls()).toEqual({});
    expect(gpujsInfo().details?.cpuCalls).toEqual({ matmul: 2, exp: 1 });
  });

  it('compiles one kernel per geometry, reuses it, and evicts beyond maxKernels', () => {
    useGpujs({ mode: 'webasm', minWork: 0, maxKernels: 2, select: false });
    const a = normal(50, [5, 6]), b = normal(51, [6, 7]);
    onGpu('matmul', () => matmulT(a, b));
    onGpu('matmul', () => matmulT(a, b));
    expect(gpujsInfo().details?.cachedKernels).toBe(1);
    onGpu('matmul', () => matmulT(b, normal(52, [7, 2])));
    onGpu('matmul', () => matmulT(normal(53, [2, 5]), a));
    expect(gpujsInfo().details?.cachedKernels).toBe(2);
  });

  it('dispose releases everything and leaves the cpu kernels running', async () => {
    useGpujs({ mode: 'webasm', minWork: 0 });
    expect(backendInfo()).toMatchObject({ backend: GPUJS_BACKEND, actual: 'webasm' });
    await disposeGpujs();
    expect(gpujsInfo()).toMatchObject({ actual: 'none', reason: expect.stringMatching(/disposed/) });
    const a = normal(60, [8, 8]);
    expectIdentical(matmulT(a, a), withBackend('cpu', () => matmulT(a, a)), 'after dispose');
    setBackend('cpu');
  });

  it('rejects bad options with an ArgumentError', () => {
    expect(() => useGpujs({ mode: 'gpu' as never })).toThrow(ArgumentError);
    expect(() => useGpujs({ minWork: -1 })).toThrow(ArgumentError);
    expect(() => useGpujs({ elementwiseMinSize: 0.5 })).toThrow(ArgumentError);
    expect(() => useGpujs({ maxKernels: 0 })).toThrow(ArgumentError);
  });
});
