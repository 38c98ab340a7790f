import { describe, expect, it } from 'vitest';
import { add, ones, setBackend, withBackend } from '../../src/index.ts';
import { THREADS_BACKEND } from '../../src/backend/node.ts';

const isShared = (t: { data: ArrayLike<number> }) => (t.data as Float32Array).buffer instanceof SharedArrayBuffer;

describe('shared-memory allocation follows the backend', () => {
  it('cpu-threads allocates large results on SharedArrayBuffer (no copy before threaded calls); cpu does not', () => {
    const big = ones([1 << 19]);
    const small = ones([16]);
    setBackend('cpu');
    expect(isShared(add(big, 1))).toBe(false);
    withBackend(THREADS_BACKEND, () => {
      expect(isShared(add(big, 1))).toBe(true);
      expect(isShared(add(small, 1))).toBe(false); // below the threshold: plain memory
    });
    expect(isShared(add(big, 1))).toBe(false); // restored with the backend
  });

  it('results are the same values either way', () => {
    const x = ones([1 << 19]);
    const plain = add(x, 2).toFlatArray();
    const shared = withBackend(THREADS_BACKEND, () => add(x, 2).toFlatArray());
    expect(shared).toEqual(plain);
  });
});
