/**
 * cpu-threads under contention (issue 14, defect 15): a wake-up must never be taken for the end,
 * or the timeout, of a part. With more busy threads than cores, a worker can be descheduled
 * between marking its part DONE and notifying; the main thread meanwhile sees DONE, starts the
 * next call, and the late notify wakes its wait while the new part is still BUSY. That window is
 * a few instructions wide, so besides busy threads the test adds a thread that notifies every
 * slot of the pool's control block over and over: each of its notifies is such a late wake-up.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeThreads, getThreads, setThreads, threadsInfo, THREADS_BACKEND, withBackend } from '../../src/backend/index.ts';
import { threadsControlBlock } from '../../src/backend/threads.ts';
import { matmulT, type Tensor } from '../../src/index.ts';
import { SLOT_WIDTH, STATE } from '../../src/backend/threads-worker.ts';
import { expectIdentical, normal } from './support.ts';

const threaded = () => (threadsInfo().details as { threadedCalls: number }).threadedCalls;

/**
 * Threads that spin until told to stop, keeping every core busy while the calls run; given the
 * pool's control block, they also notify each of its `slots` parts between spins.
 */
function spinners(count: number, ctrl?: Int32Array, slots = 0): { stop: () => Promise<void> } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const code = `
    const { workerData } = require('node:worker_threads');
    const flag = new Int32Array(workerData.flag);
    const ctrl = workerData.ctrl && new Int32Array(workerData.ctrl);
    let x = 0;
    while (Atomics.load(flag, 0) === 0) {
      for (let i = 0; i < 1e3; i++) x += i;
      if (ctrl) for (let s = 0; s < workerData.slots; s++) Atomics.notify(ctrl, s * ${SLOT_WIDTH} + ${STATE});
    }
  `;
  const workers = Array.from({ length: count }, (_, i) => new Worker(code, {
    eval: true,
    workerData: { flag: flag.buffer, ctrl: i === 0 ? ctrl?.buffer : undefined, slots },
  }));
  return {
    stop: async () => {
      Atomics.store(flag, 0, 1);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

const initial = getThreads();
beforeAll(() => setThreads({ threads: 3, minWork: 0, minPartWork: 0, jobTimeoutMs: 600_000 }));
afterAll(async () => {
  setThreads(initial);
  await disposeThreads();
});

describe('cpu-threads under contention', () => {
  it('thousands of small threaded calls with more busy threads than cores all finish, bit-identical, and the pool stays up', async () => {
    // batch 3 over 3 threads: every call splits into one batch item per thread
    const a = normal(1, [3, 8, 8]), b = normal(2, [3, 8, 8]);
    const want = matmulT(a, b) as Tensor;
    withBackend(THREADS_BACKEND, () => matmulT(a, b));
    const ctrl = threadsControlBlock();
    expect(ctrl, 'the pool started').toBeDefined();
    const busy = spinners(availableParallelism() + 1, ctrl, 2);
    const calls = 4000;
    const before = threaded();
    try {
      for (let i = 0; i < calls; i++) {
        const got = withBackend(THREADS_BACKEND, () => matmulT(a, b) as Tensor);
        if (i % 500 === 0) expectIdentical(got, want, `call ${i}`);
      }
    } finally {
      await busy.stop();
    }
    expect(threaded() - before, 'every call ran on the pool').toBe(calls);
    expect(threadsInfo()).toMatchObject({ actual: '3 threads', reason: null });
  });
});
