/**
 * wasm: every kernel against the TypeScript kernel (the reference) on random inputs, within the
 * float32 error bound of its sums (support.ts) or a few ulps for exp and expm1, and bit-identical
 * for the exact elementwise operations; non-finite values pass through as in the reference; a
 * split over threads changes no bit; and every reason the backend cannot run is reported.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backendInfo, disposeThreads, disposeWasm, getThreads, registeredPrimitives, setThreads, useWasm, wasmEngineProblem, wasmInfo, WASM_BACKEND, withBackend,
} from '../../src/backend/node.ts';
import { BINARY_CODES, UNARY_CODES } from '../../src/backend/wasm-ops.ts';
import { locateKernels } from '../../src/backend/wasm-module.ts';
import {
  abs, add, ArgumentError, avgPool2d, avgPool2dAdjoint, conv2d, conv2dFilterAdjoint, conv2dInputAdjoint, convParams, div, elu, equal, exp, greater,
  lessEqual, matmulT, maximum, minimum, mul, neg, notEqual, poolParams, reciprocal, relu, sign, sqrt, square, sub, sum, tensor, where, type Tensor,
} from '../../src/index.ts';
import { absT, expectIdentical, expectWithinSumBound, normal, U32 } from './support.ts';

const T = (x: unknown) => x as Tensor;
const calls = () => (wasmInfo().details?.wasmCalls ?? {}) as Record<string, number>;
const declined = () => (wasmInfo().details?.declined ?? {}) as Record<string, number>;
const threaded = () => (wasmInfo().details?.threadedCalls ?? 0) as number;

/** Runs `f` on the wasm backend and checks that a wasm kernel (not the reference) computed `prim`. */
function onWasm(prim: string, f: () => Tensor): Tensor {
  const before = calls()[prim] ?? 0;
  const out = withBackend(WASM_BACKEND, f);
  expect((calls()[prim] ?? 0) - before, `${prim} ran as a wasm kernel`).toBe(1);
  return out;
}

/** |got − want| ≤ ulps·u·|want|, or one subnormal step (2⁻¹⁴⁹) where the result underflows; NaN matches NaN. */
function expectWithinUlps(got: Tensor, want: Tensor, ulps: number, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const g = got.data, w = want.data;
  for (let i = 0; i < w.length; i++) {
    const ok = Object.is(g[i], w[i]) || Math.abs(g[i]! - w[i]!) <= ulps * U32 * Math.abs(w[i]!) + 2 ** -149;
    if (!ok) expect(g[i], `${what}: element ${i} (bound ${ulps} u of ${w[i]})`).toBe(w[i]);
  }
}

const initialThreads = getThreads();
const kernelsPath = locateKernels().path;

beforeAll(() => {
  useWasm({ minWork: 0, minPartWork: 0, elementwiseMinSize: 0, threads: 1, select: false });
});
afterAll(async () => {
  setThreads(initialThreads);
  await disposeThreads();
});

const convGeometry = fc.record({
  n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 5 }), o: fc.integer({ min: 1, max: 9 }),
  h: fc.integer({ min: 3, max: 19 }), w: fc.integer({ min: 3, max: 21 }), k: fc.integer({ min: 1, max: 5 }),
  stride: fc.integer({ min: 1, max: 3 }), padding: fc.constantFrom<'same' | 'valid' | number>('same', 'valid', 1, 2), seed: fc.integer({ min: 0, max: 1000 }),
});

interface ConvDraw {
  n: number; c: number; o: number; h: number; w: number; k: number; stride: number; padding: 'same' | 'valid' | number; seed: number;
}

function convCase(g: ConvDraw) {
  const pad = typeof g.padding === 'number' ? g.padding : 0;
  if (g.padding !== 'same' && (g.k > g.h + 2 * pad || g.k > g.w + 2 * pad)) return null;
  const x = normal(g.seed, [g.n, g.c, g.h, g.w]);
  const wt = normal(g.seed + 1, [g.o, g.c, g.k, g.k]);
  const p = convParams('conv2d', x.shape, wt.shape, g.stride, g.padding);
  const y = normal(g.seed + 2, [g.n, g.o, p.outH, p.outW]);
  return { x, wt, p, y };
}

describe('the wasm backend', () => {
  it('starts with the built kernels and says what runs', () => {
    expect(kernelsPath, 'build/kernels.wasm exists (npm run build)').not.toBeNull();
    expect(wasmEngineProblem()).toBeNull();
    const info = withBackend(WASM_BACKEND, () => backendInfo());
    expect(info).toMatchObject({ backend: WASM_BACKEND, actual: 'wasm SIMD, 1 thread', reason: null });
    expect(info.details?.kernels).toBe(kernelsPath);
  });

  it('registers a kernel for each elementwise code the module has, by a primitive of that name, beside matmul, the convolutions, pooling, where and sum', () => {
    const names = registeredPrimitives(WASM_BACKEND).map((p) => p.name).sort();
    const expected = ['matmul', 'conv2d', 'conv2dInputAdjoint', 'conv2dFilterAdjoint', 'avgPool2d', 'avgPool2dAdjoint', 'where', 'sum', ...Object.keys(UNARY_CODES), ...Object.keys(BINARY_CODES)];
    // a primitive renamed on one side only would drop its kernel without this check
    expect(names).toEqual(expected.sort());
  });

  it('matmul equals the reference within the f32 sum bound, for every transpose flag and a shared operand', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 41 }),
        fc.boolean(), fc.boolean(), fc.constantFrom('none', 'a', 'b'), fc.integer({ min: 0, max: 1000 }),
        (batch, m, k, n, transA, transB, shared, seed) => {
          const a = normal(seed, shared === 'a' ? [transA ? k : m, transA ? m : k] : [batch, transA ? k : m, transA ? m : k]);
          const b = normal(seed + 1, shared === 'b' ? [transB ? n : k, transB ? k : n] : [batch, transB ? n : k, transB ? k : n]);
          const f = (x: Tensor, y: Tensor) => matmulT(x, y, { transA, transB });
          const got = onWasm('matmul', () => f(a, b));
          expectWithinSumBound(got, f(a, b), f(absT(a), absT(b)), k, `matmul ${JSON.stringify({ batch, m, k, n, transA, transB, shared })}`);
        },
      ),
      { numRuns: 40, seed: 31 },
    );
  });

  it('conv2d and both adjoints equal the reference within the f32 sum bound, at any stride and padding', () => {
    fc.assert(
      fc.property(convGeometry, (g) => {
        const cs = convCase(g);
        if (!cs) return;
        const { x, wt, p, y } = cs;
        const label = JSON.stringify(g);
        const fwd = (a: Tensor, b: Tensor) => T(conv2d(a, b as never, { stride: g.stride, padding: g.padding }));
        expectWithinSumBound(onWasm('conv2d', () => fwd(x, wt)), fwd(x, wt), fwd(absT(x), absT(wt)), g.c * g.k * g.k, `conv2d ${label}`);
        const dx = (a: Tensor, b: Tensor) => conv2dInputAdjoint(a, b, p);
        expectWithinSumBound(onWasm('conv2dInputAdjoint', () => dx(y, wt)), dx(y, wt), dx(absT(y), absT(wt)), g.o * g.k * g.k, `input adjoint ${label}`);
        const dw = (a: Tensor, b: Tensor) => conv2dFilterAdjoint(a, b, p);
        expectWithinSumBound(onWasm('conv2dFilterAdjoint', () => dw(x, y)), dw(x, y), dw(absT(x), absT(y)), g.n * p.outH * p.outW, `filter adjoint ${label}`);
      }),
      { numRuns: 60, seed: 32 },
    );
  });

  it('the paper CNN layers (16, 32 and 64 channels, 5×5 and 3×3, one and two input channels) at 40²', () => {
    for (const [c, o, k, hw] of [[2, 16, 5, 40], [1, 16, 5, 40], [16, 32, 3, 20], [32, 64, 3, 10]] as const) {
      const x = normal(c, [2, c, hw, hw]), wt = normal(o, [o, c, k, k]);
      const p = convParams('conv2d', x.shape, wt.shape, 1, 'same');
      const y = normal(k, [2, o, hw, hw]);
      const label = `${c}→${o} ${k}×${k} ${hw}²`;
      const fwd = (a: Tensor, b: Tensor) => T(conv2d(a, b as never, { padding: 'same' }));
      expectWithinSumBound(onWasm('conv2d', () => fwd(x, wt)), fwd(x, wt), fwd(absT(x), absT(wt)), c * k * k, `conv2d ${label}`);
      const dx = (a: Tensor, b: Tensor) => conv2dInputAdjoint(a, b, p);
      expectWithinSumBound(onWasm('conv2dInputAdjoint', () => dx(y, wt)), dx(y, wt), dx(absT(y), absT(wt)), o * k * k, `input adjoint ${label}`);
      const dw = (a: Tensor, b: Tensor) => conv2dFilterAdjoint(a, b, p);
      expectWithinSumBound(onWasm('conv2dFilterAdjoint', () => dw(x, y)), dw(x, y), dw(absT(x), absT(y)), 2 * hw * hw, `filter adjoint ${label}`);
    }
  });

  it('avgPool2d and its adjoint equal the reference within the f32 sum bound, for 2×2 and other windows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 3, max: 21 }), fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1000 }),
        (n, c, hw, size, stride, seed) => {
          const x = normal(seed, [n, c, hw, hw + 3]);
          const p = poolParams('avgPool2d', x.shape, size, stride);
          const y = normal(seed + 1, [n, c, p.outH, p.outW]);
          const pool = (t: Tensor) => T(avgPool2d(t as never, { size, stride }));
          const label = JSON.stringify({ n, c, hw, size, stride });
          expectWithinSumBound(onWasm('avgPool2d', () => pool(x)), pool(x), pool(absT(x)), size * size, `avgPool2d ${label}`);
          const adj = (t: Tensor) => avgPool2dAdjoint(t, p);
          expectWithinSumBound(onWasm('avgPool2dAdjoint', () => adj(y)), adj(y), adj(absT(y)), size * size, `avgPool2dAdjoint ${label}`);
        },
      ),
      { numRuns: 30, seed: 33 },
    );
  });

  it('elementwise maps: exact ones bit-identical, exp and elu within 4 u, on random values and shapes of any length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0.001, max: 40, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (len, scale, seed) => {
        const z = T(mul(normal(seed, [len]), scale));
        for (const [name, f] of Object.entries({ neg, abs, square, relu, sign, reciprocal })) {
          expectIdentical(onWasm(name, () => T(f(z as never))), T(f(z as never)), `${name} ×${scale}`);
        }
        const positive = T(abs(z));
        expectIdentical(onWasm('sqrt', () => T(sqrt(positive as never))), T(sqrt(positive as never)), 'sqrt');
        for (const [name, f] of Object.entries({ exp, elu })) expectWithinUlps(onWasm(name, () => T(f(z as never))), T(f(z as never)), 4, `${name} ×${scale}`);
      }),
      { numRuns: 40, seed: 34 },
    );
  });

  it('binary operations and where are bit-identical to the reference under broadcasting; sums are within the f32 sum bound', () => {
    const z = normal(40, [3, 4, 5, 33]);
    const shapes: number[][] = [[3, 4, 5, 33], [1, 4, 1, 1], [33], [3, 1, 5, 33], [4, 5, 1], []];
    for (const shape of shapes) {
      const other = shape.length ? T(mul(normal(41, shape), 2)) : T(tensor([0.75], []));
      for (const [name, f] of Object.entries({ add, sub, mul, div, maximum, minimum, greater, lessEqual, equal, notEqual })) {
        const want = T(f(z, other as never)), again = T(f(other as never, z as never));
        const runsLong = shape.length === 0 || shape[shape.length - 1] !== 1;
        const got = runsLong ? onWasm(name, () => T(f(z, other as never))) : withBackend(WASM_BACKEND, () => T(f(z, other as never)));
        expectIdentical(got, want, `${name} with ${JSON.stringify(shape)}`);
        expectIdentical(withBackend(WASM_BACKEND, () => T(f(other as never, z as never))), again, `${name} with ${JSON.stringify(shape)} first`);
      }
    }
    const mask = T(greater(z, 0.3));
    expectIdentical(onWasm('where', () => T(where(mask, z, 1))), T(where(mask, z, 1)), 'where(mask, z, 1)');
    const bias = normal(42, [1, 4, 1, 33]);
    expectIdentical(onWasm('where', () => T(where(mask, 0, bias))), T(where(mask, 0, bias)), 'where(mask, 0, bias)');
    for (const axes of [[0, 2, 3], [0], [3], [2, 3], [0, 1, 2, 3], [1, 2]]) {
      const f = (t: Tensor) => T(sum(t, axes as never, { keepDims: true }));
      const terms = axes.reduce((p, a) => p * z.shape[a]!, 1);
      // kept axes on both sides of the reduced ones do not make one (outer, kept, inner) triple: the reference runs
      const split = axes[0] === 1;
      const before = declined()['kept axes not adjacent'] ?? 0;
      const got = split ? withBackend(WASM_BACKEND, () => f(z)) : onWasm('sum', () => f(z));
      expectWithinSumBound(got, f(z), f(absT(z)), terms, `sum over ${JSON.stringify(axes)}`);
      expect((declined()['kept axes not adjacent'] ?? 0) - before).toBe(split ? 1 : 0);
    }
  });

  it('non-finite values pass through every kernel as in the reference: NaN where it gives NaN, the same infinities', () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...specials)), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 1000 }),
        (holes, seed) => {
          const poke = (t: Tensor): Tensor => {
            const d = Float32Array.from(t.data);
            for (const [at, v] of holes) d[at % d.length] = v;
            return tensor(d, t.shape as number[]) as Tensor;
          };
          const x = poke(normal(seed, [2, 3, 12, 12])), wt = poke(normal(seed + 1, [4, 3, 3, 3]));
          const p = convParams('conv2d', x.shape, wt.shape, 1, 'same');
          const y = poke(normal(seed + 2, [2, 4, 12, 12]));
          const a = poke(normal(seed + 3, [12, 20])), b = poke(normal(seed + 4, [20, 9]));
          const cases: [string, () => Tensor][] = [
            ['matmul', () => matmulT(a, b)],
            ['conv2d', () => T(conv2d(x, wt as never, { padding: 'same' }))],
            ['conv2dInputAdjoint', () => conv2dInputAdjoint(y, wt, p)],
            ['conv2dFilterAdjoint', () => conv2dFilterAdjoint(x, y, p)],
            ['avgPool2d', () => T(avgPool2d(x as never, { size: 2 }))],
            ['elu', () => T(elu(x as never))],
            ['exp', () => T(exp(x as never))],
            ['relu', () => T(relu(x as never))],
            ['add', () => T(add(x, x))],
            ['div', () => T(div(x, T(neg(x))))],
            ['where', () => T(where(T(greater(x, 0)), x, 0))],
            ['sum', () => T(sum(x, [0, 2, 3]))],
          ];
          for (const [name, f] of cases) {
            const want = f(), got = withBackend(WASM_BACKEND, f);
            for (let i = 0; i < want.size; i++) {
              const w = want.data[i]!, g = got.data[i]!;
              if (Number.isFinite(w)) continue;
              if (!Object.is(w, g)) expect(g, `${name}: element ${i} is ${w} in the reference`).toBe(w);
            }
            for (let i = 0; i < want.size; i++) {
              if (Number.isFinite(want.data[i]!) !== Number.isFinite(got.data[i]!)) {
                expect(got.data[i], `${name}: element ${i} finite in one and not the other`).toBe(want.data[i]);
              }
            }
          }
        },
      ),
      { numRuns: 25, seed: 35 },
    );
    // matmul and the convolutions hand non-finite operands to the reference kernel
    expect(declined()['non-finite operand'] ?? 0).toBeGreaterThan(0);
  });
});

describe('wasm on threads', () => {
  it('splits matmul and the convolutions over the pool with the same bits as one thread', async () => {
    setThreads({ threads: 3 });
    try {
      const x = normal(50, [1, 5, 31, 29]), wt = normal(51, [10, 5, 3, 3]);
      const p = convParams('conv2d', x.shape, wt.shape, 1, 'same');
      const y = normal(52, [1, 10, 31, 29]);
      const xb = normal(53, [4, 3, 17, 17]), wb = normal(54, [6, 3, 5, 5]);
      const pb = convParams('conv2d', xb.shape, wb.shape, 2, 1);
      const yb = normal(55, [4, 6, pb.outH, pb.outW]);
      const cases: [string, () => Tensor][] = [
        ['matmul rows', () => matmulT(normal(56, [70, 60]), normal(57, [60, 50]))],
        ['matmul columns', () => matmulT(normal(58, [12, 60]), normal(59, [60, 150]))],
        ['matmul batch', () => matmulT(normal(60, [5, 20, 30]), normal(61, [5, 30, 25]))],
        ['conv2d rows', () => T(conv2d(x, wt as never, { padding: 'same' }))],
        ['conv2d images', () => T(conv2d(xb, wb as never, { stride: 2, padding: 1 }))],
        ['input adjoint rows', () => conv2dInputAdjoint(y, wt, p)],
        ['input adjoint images', () => conv2dInputAdjoint(yb, wb, pb)],
        ['filter adjoint taps', () => conv2dFilterAdjoint(x, normal(64, [1, 4, 31, 29]), convParams('conv2d', x.shape, [4, 5, 3, 3], 1, 'same'))],
        ['filter adjoint channels', () => conv2dFilterAdjoint(normal(62, [2, 2, 20, 20]), normal(63, [2, 16, 20, 20]), convParams('conv2d', [2, 2, 20, 20], [16, 2, 3, 3], 1, 'same'))],
      ];
      for (const [what, f] of cases) {
        useWasm({ threads: 1, select: false });
        const one = withBackend(WASM_BACKEND, f);
        useWasm({ threads: 3, select: false });
        const before = threaded();
        const three = withBackend(WASM_BACKEND, f);
        expect(threaded() - before, `${what}: split over the pool`).toBe(1);
        expectIdentical(three, one, what);
      }
      expect(wasmInfo()).toMatchObject({ requested: 'wasm SIMD, 3 threads', actual: 'wasm SIMD, 3 threads', reason: null });
    } finally {
      useWasm({ threads: 1, select: false });
    }
  });

  it('runs on one thread, and says why, when the workers cannot start', async () => {
    await disposeThreads();
    setThreads({ threads: 3, bootTimeoutMs: 1 });
    useWasm({ threads: 3, select: false });
    try {
      const a = normal(70, [64, 64]), b = normal(71, [64, 64]);
      const before = threaded();
      expectWithinSumBound(onWasm('matmul', () => matmulT(a, b)), matmulT(a, b), matmulT(absT(a), absT(b)), 64, 'matmul on one thread');
      expect(threaded() - before).toBe(0);
      expect(wasmInfo()).toMatchObject({ requested: 'wasm SIMD, 3 threads', actual: 'wasm SIMD, 1 thread', reason: expect.stringMatching(/did not start within 1 ms/) });
    } finally {
      setThreads({ bootTimeoutMs: initialThreads.bootTimeoutMs });
      await disposeThreads();
      useWasm({ threads: 1, select: false });
    }
  });
});

describe('wasm fallbacks and bad options', () => {
  it('runs f64 calls and calls below the thresholds on the reference kernels, and says so', () => {
    useWasm({ minWork: 1000, elementwiseMinSize: 100, select: false });
    try {
      const before = { ...declined() };
      const a64 = normal(80, [12, 12], 'f64');
      expectIdentical(withBackend(WASM_BACKEND, () => matmulT(a64, a64)), matmulT(a64, a64), 'f64 matmul');
      const small = normal(81, [3, 3]);
      expectIdentical(withBackend(WASM_BACKEND, () => matmulT(small, small)), matmulT(small, small), 'small matmul');
      expectIdentical(withBackend(WASM_BACKEND, () => T(exp(small as never))), T(exp(small as never)), 'small exp');
      expect((declined()['f64 or empty'] ?? 0) - (before['f64 or empty'] ?? 0)).toBe(1);
      expect((declined()['small'] ?? 0) - (before['small'] ?? 0)).toBe(2);
    } finally {
      useWasm({ minWork: 0, elementwiseMinSize: 0, select: false });
    }
  });

  it('a call that does not fit the memory limit gets the reference kernel, and the result is unchanged', () => {
    useWasm({ memoryLimit: 1 << 20, select: false });
    try {
      const big = normal(90, [1 << 18]);
      const before = declined()['memory full'] ?? 0;
      expectIdentical(withBackend(WASM_BACKEND, () => T(square(big as never))), T(square(big as never)), 'square of 1 MiB');
      expect((declined()['memory full'] ?? 0) - before).toBe(1);
    } finally {
      useWasm({ memoryLimit: Math.min(2 ** 32 - 65536, 1 << 30), select: false });
    }
  });

  it('result buffers are views of the wasm memory, freed once collected: memory stays bounded over many calls', async () => {
    useWasm({ memoryLimit: 32 << 20, select: false });
    try {
      const x = normal(95, [1 << 18]);
      const want = T(square(x as never));
      const before = { wasm: calls()['square'] ?? 0, full: declined()['memory full'] ?? 0, collections: wasmInfo().details?.collections as number };
      for (let i = 0; i < 100; i++) {
        const got = withBackend(WASM_BACKEND, () => T(square(x as never)));
        if (i % 25 === 0) expectIdentical(got, want, `call ${i}`);
        // a training step ends its job here too: finalizers run, and free the blocks of collected views
        await new Promise((resolve) => setImmediate(resolve));
      }
      const d = wasmInfo().details as { ownedBytes: number; memoryBytes: number; collections: number };
      expect(d.memoryBytes).toBeLessThanOrEqual(32 << 20);
      expect(d.collections - before.collections, 'collections requested').toBeGreaterThan(0);
      expect((calls()['square'] ?? 0) - before.wasm, 'calls on wasm').toBeGreaterThanOrEqual(90);
      expect((declined()['memory full'] ?? 0) - before.full, 'calls that found the memory full').toBeLessThanOrEqual(10);
    } finally {
      useWasm({ memoryLimit: Math.min(2 ** 32 - 65536, 1 << 30), select: false });
    }
  });

  it('names the reason when the kernels are not built, runs every primitive on the reference kernels, and recovers', () => {
    const info = useWasm({ kernels: '/no/such/kernels.wasm', select: false });
    try {
      expect(info).toMatchObject({ backend: WASM_BACKEND, actual: 'cpu', reason: expect.stringMatching(/not built: no \/no\/such\/kernels\.wasm \(run `npm run build`\)/) });
      const a = normal(100, [20, 20]);
      expectIdentical(withBackend(WASM_BACKEND, () => matmulT(a, a)), matmulT(a, a), 'matmul without kernels');
    } finally {
      useWasm({ kernels: kernelsPath!, select: false });
    }
    expect(wasmInfo().actual).toBe('wasm SIMD, 1 thread');
  });

  it('names the missing engine feature: WebAssembly, its SIMD, or shared memory', () => {
    expect(wasmEngineProblem({})).toBe('WebAssembly is not available');
    const Memory = (globalThis as unknown as { WebAssembly: { Memory: never } }).WebAssembly.Memory;
    expect(wasmEngineProblem({ WebAssembly: { validate: () => false, Memory } })).toBe('WebAssembly SIMD (128-bit) is not supported by this engine');
    const NoShared = class {
      constructor() {
        throw new TypeError('shared memory is disabled');
      }
    };
    expect(wasmEngineProblem({ WebAssembly: { validate: () => true, Memory: NoShared as never } })).toMatch(/shared WebAssembly memory is unavailable \(shared memory is disabled\)/);
  });

  it('rejects bad options with an ArgumentError', () => {
    expect(() => useWasm({ threads: 0 })).toThrow(ArgumentError);
    expect(() => useWasm({ minWork: -1 })).toThrow(ArgumentError);
    expect(() => useWasm({ elementwiseMinSize: 0.5 })).toThrow(ArgumentError);
    expect(() => useWasm({ memoryLimit: 2 ** 33 })).toThrow(/memoryLimit must be at most/);
    expect(() => useWasm(null as never)).toThrow(ArgumentError);
  });

  it('dispose forgets the kernels; the next selection loads them again', () => {
    disposeWasm();
    expect(wasmInfo().details?.started).toBe(false);
    const a = normal(110, [30, 30]);
    expectWithinSumBound(onWasm('matmul', () => matmulT(a, a)), matmulT(a, a), matmulT(absT(a), absT(a)), 30, 'after dispose');
    useWasm({ minWork: 0, minPartWork: 0, elementwiseMinSize: 0, threads: 1, select: false });
  });
});
