/**
 * cpu-threads: every split gives results bit-identical to the single-thread cpu kernels, and the
 * split really happens (the backend's counters say how many calls ran on the pool).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeThreads, getThreads, setThreads, threadsInfo, THREADS_BACKEND, withBackend } from '../../src/backend/node.ts';
import {
  ArgumentError, conv2d, conv2dFilterAdjoint, conv2dInputAdjoint, convParams, matmulT, type ConvParams, type Tensor,
} from '../../src/index.ts';
import { expectIdentical, normal } from './support.ts';

const threaded = () => (threadsInfo().details as { threadedCalls: number }).threadedCalls;
const single = () => (threadsInfo().details as { singleCalls: number }).singleCalls;

/** Runs `f` on the cpu and on cpu-threads, expects identical bits and (unless told otherwise) a split call. */
function same(what: string, f: () => Tensor, split = true): void {
  const want = f();
  const before = threaded();
  const got = withBackend(THREADS_BACKEND, f);
  expectIdentical(got, want, what);
  expect(threaded() - before, `${what}: calls split over the pool`).toBe(split ? 1 : 0);
}

const initial = getThreads();
beforeAll(() => setThreads({ threads: 3, minWork: 0, minPartWork: 0 }));
afterAll(async () => {
  setThreads(initial);
  await disposeThreads();
});

describe('cpu-threads matmul', () => {
  it('splits rows (m ≥ n) or columns (n > m) of one matrix, for every combination of transpose flags', () => {
    for (const [m, n] of [[70, 52], [12, 150]]) {
      const a = normal(1, [m!, 96]), at = normal(2, [96, m!]);
      const b = normal(3, [96, n!]), bt = normal(4, [n!, 96]);
      same(`A·B ${m}×${n}`, () => matmulT(a, b));
      same(`Aᵀ·B ${m}×${n}`, () => matmulT(at, b, { transA: true }));
      same(`A·Bᵀ ${m}×${n}`, () => matmulT(a, bt, { transB: true }));
      same(`Aᵀ·Bᵀ ${m}×${n}`, () => matmulT(at, bt, { transA: true, transB: true }));
    }
  });

  it('splits whole batch items, and rows when the batch is smaller than the thread count', () => {
    same('batch 5', () => matmulT(normal(5, [5, 24, 40]), normal(6, [5, 40, 33])));
    // batch 2 < 3 threads: row slices of each item; B broadcast makes the single-thread kernel one tall product
    same('batch 2, shared B', () => matmulT(normal(7, [2, 64, 64]), normal(8, [64, 64])));
    same('batch 2, shared A', () => matmulT(normal(9, [64, 64]), normal(10, [2, 64, 64])));
  });

  it('is bit-identical on random shapes in f32 and f64', () => {
    const start = threaded();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }), fc.integer({ min: 8, max: 72 }), fc.integer({ min: 8, max: 72 }), fc.integer({ min: 8, max: 72 }),
        fc.boolean(), fc.boolean(), fc.constantFrom<'f32' | 'f64'>('f32', 'f64'), fc.integer({ min: 0, max: 1000 }),
        (batch, m, k, n, transA, transB, dtype, seed) => {
          const a = normal(seed, [batch, transA ? k : m, transA ? m : k], dtype);
          const b = normal(seed + 1, [batch, transB ? n : k, transB ? k : n], dtype);
          const before = threaded();
          const want = matmulT(a, b, { transA, transB });
          const got = withBackend(THREADS_BACKEND, () => matmulT(a, b, { transA, transB }));
          expectIdentical(got, want, `matmul ${batch}×${m}×${k}×${n} ${transA} ${transB} ${dtype}`);
          return threaded() - before <= 1;
        },
      ),
      { numRuns: 25, seed: 11 },
    );
    // most of these shapes are large enough to split: the property exercised the pool
    expect(threaded() - start).toBeGreaterThan(12);
  });
});

function convCase(seed: number, n: number, c: number, o: number, h: number, w: number, k: number, stride: number, padding: 'same' | 'valid' | number, dtype: 'f32' | 'f64' = 'f32') {
  const x = normal(seed, [n, c, h, w], dtype);
  const wt = normal(seed + 1, [o, c, k, k], dtype);
  const p: ConvParams = convParams('conv2d', x.shape, wt.shape, stride, padding);
  const y = normal(seed + 2, [n, o, p.outH, p.outW], dtype);
  return { x, wt, p, y, stride, padding };
}

describe('cpu-threads convolutions', () => {
  it('conv2d splits output pixels of a single image, and whole images of a batch', () => {
    const one = convCase(20, 1, 3, 12, 20, 18, 3, 1, 'same');
    same('conv2d n=1', () => conv2d(one.x, one.wt as never, { padding: 'same' }) as Tensor);
    const strided = convCase(23, 1, 4, 16, 21, 19, 5, 2, 'valid');
    same('conv2d n=1 stride 2', () => conv2d(strided.x, strided.wt as never, { stride: 2, padding: 'valid' }) as Tensor);
    const batch = convCase(26, 4, 3, 8, 16, 16, 3, 1, 1);
    same('conv2d n=4', () => conv2d(batch.x, batch.wt as never, { padding: 1 }) as Tensor);
  });

  it('the input adjoint splits whole images, or input channels of fewer images than threads', () => {
    const batch = convCase(30, 3, 6, 8, 17, 15, 3, 2, 'same');
    same('input adjoint n=3', () => conv2dInputAdjoint(batch.y, batch.wt, batch.p));
    const one = convCase(33, 1, 6, 8, 24, 24, 3, 1, 'same');
    same('input adjoint n=1, channel split', () => conv2dInputAdjoint(one.y, one.wt, one.p));
    // 2 images, 3 threads: channel slices of both images (7 channels do not divide evenly)
    const two = convCase(34, 2, 7, 9, 23, 21, 5, 1, 'same');
    same('input adjoint n=2, channel split', () => conv2dInputAdjoint(two.y, two.wt, two.p));
    const paperL1 = convCase(35, 1, 2, 16, 40, 40, 5, 1, 'same');
    same('input adjoint n=1, 2 channels (the paper CNN\'s first layer)', () => conv2dInputAdjoint(paperL1.y, paperL1.wt, paperL1.p));
    // one image of one channel has nothing to split
    const gray = convCase(36, 1, 1, 8, 32, 32, 3, 1, 'same');
    const before = single();
    same('input adjoint n=1, c=1', () => conv2dInputAdjoint(gray.y, gray.wt, gray.p), false);
    expect(single() - before).toBe(1);
  });

  it('the filter adjoint splits input channels (im2col wider than o) or output channels, for one image and a batch', () => {
    const one = convCase(40, 1, 3, 12, 20, 20, 5, 1, 'same');
    same('filter adjoint n=1, channel split', () => conv2dFilterAdjoint(one.x, one.y, one.p));
    const batch = convCase(43, 3, 4, 10, 15, 17, 3, 2, 1);
    same('filter adjoint n=3, channel split', () => conv2dFilterAdjoint(batch.x, batch.y, batch.p));
    const narrow = convCase(46, 1, 1, 16, 24, 24, 3, 1, 'same');
    same('filter adjoint n=1, output-channel split', () => conv2dFilterAdjoint(narrow.x, narrow.y, narrow.p));
    const narrowBatch = convCase(49, 2, 1, 16, 18, 18, 3, 1, 'valid');
    same('filter adjoint n=2, output-channel split', () => conv2dFilterAdjoint(narrowBatch.x, narrowBatch.y, narrowBatch.p));
  });

  it('is bit-identical on random geometries in f32 and f64', () => {
    const start = threaded();
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 4 }), c: fc.integer({ min: 1, max: 5 }), o: fc.integer({ min: 1, max: 13 }),
          h: fc.integer({ min: 5, max: 19 }), w: fc.integer({ min: 5, max: 19 }), k: fc.integer({ min: 1, max: 5 }),
          stride: fc.integer({ min: 1, max: 3 }), padding: fc.constantFrom<'same' | 'valid' | number>('same', 'valid', 1, 2),
          dtype: fc.constantFrom<'f32' | 'f64'>('f32', 'f64'), seed: fc.integer({ min: 0, max: 1000 }),
        }),
        (g) => {
          const { x, wt, p, y } = convCase(g.seed, g.n, g.c, g.o, g.h, g.w, g.k, g.stride, g.padding, g.dtype);
          const label = JSON.stringify(g);
          expectIdentical(withBackend(THREADS_BACKEND, () => conv2d(x, wt as never, { stride: g.stride, padding: g.padding }) as Tensor), conv2d(x, wt as never, { stride: g.stride, padding: g.padding }) as Tensor, `conv2d ${label}`);
          expectIdentical(withBackend(THREADS_BACKEND, () => conv2dInputAdjoint(y, wt, p)), conv2dInputAdjoint(y, wt, p), `input adjoint ${label}`);
          expectIdentical(withBackend(THREADS_BACKEND, () => conv2dFilterAdjoint(x, y, p)), conv2dFilterAdjoint(x, y, p), `filter adjoint ${label}`);
        },
      ),
      { numRuns: 25, seed: 12 },
    );
    expect(threaded() - start).toBeGreaterThan(25);
  });
});

describe('cpu-threads settings', () => {
  it('runs calls below the size threshold on one thread', () => {
    setThreads({ minWork: 1 << 30 });
    try {
      const c = convCase(50, 1, 3, 8, 16, 16, 3, 1, 'same');
      const before = single();
      same('small conv2d', () => conv2d(c.x, c.wt as never, { padding: 'same' }) as Tensor, false);
      expect(single() - before).toBe(1);
    } finally {
      setThreads({ minWork: 0 });
    }
  });

  it('reports the pool and restarts it after dispose', async () => {
    same('before dispose', () => matmulT(normal(60, [64, 64]), normal(61, [64, 64])));
    expect(threadsInfo()).toMatchObject({ backend: THREADS_BACKEND, requested: '3 threads', actual: '3 threads', reason: null });
    await disposeThreads();
    expect((threadsInfo().details as { poolStarted: boolean }).poolStarted).toBe(false);
    same('after dispose', () => matmulT(normal(62, [64, 64]), normal(63, [64, 64])));
    expect((threadsInfo().details as { poolStarted: boolean }).poolStarted).toBe(true);
  });

  it('runs on one thread, and says why, when the workers cannot start in time', async () => {
    await disposeThreads();
    setThreads({ bootTimeoutMs: 1 });
    try {
      const before = single();
      same('boot timeout', () => matmulT(normal(64, [64, 64]), normal(65, [64, 64])), false);
      expect(single() - before).toBe(1);
      expect(threadsInfo()).toMatchObject({ requested: '3 threads', actual: '1 thread', reason: expect.stringMatching(/did not start within 1 ms/) });
    } finally {
      setThreads({ bootTimeoutMs: initial.bootTimeoutMs });
      await disposeThreads();
    }
    same('after recovery', () => matmulT(normal(66, [64, 64]), normal(67, [64, 64])));
  });

  it('rejects bad settings with an ArgumentError', () => {
    expect(() => setThreads(0)).toThrow(ArgumentError);
    expect(() => setThreads(1.5)).toThrow(ArgumentError);
    expect(() => setThreads({ minWork: -1 })).toThrow(ArgumentError);
    expect(() => setThreads({ jobTimeoutMs: 0 })).toThrow(ArgumentError);
    expect(() => setThreads(null as never)).toThrow(ArgumentError);
    expect(getThreads().threads).toBe(3);
  });
});
