import { afterEach, describe, expect, it } from 'vitest';
import {
  availableBackends, BackendError, backendInfo, getBackend, registeredPrimitives, registerKernel, setBackend, unregisterBackend, withBackend,
} from '../../src/backend/index.ts';
import { add, tensor, type Tensor } from '../../src/index.ts';

const SPY = 'test-registry-spy';

afterEach(() => {
  setBackend('cpu');
  unregisterBackend(SPY);
});

describe('backend registry', () => {
  it('withBackend restores the previous backend when the function throws', () => {
    setBackend('cpu');
    // a backend is selectable once it registers something
    registerKernel(SPY, 'add', () => undefined);
    expect(() =>
      withBackend(SPY, () => {
        expect(getBackend()).toBe(SPY);
        throw new RangeError('boom');
      }),
    ).toThrow(RangeError);
    expect(getBackend()).toBe('cpu');
  });

  it('withBackend nests and restores each level', () => {
    const seen = withBackend('cpu-threads', () => [getBackend(), withBackend('gpujs', () => getBackend()), getBackend()]);
    expect(seen).toEqual(['cpu-threads', 'gpujs', 'cpu-threads']);
    expect(getBackend()).toBe('cpu');
  });

  it('runs a registered override and falls back to the cpu kernel for the rest', () => {
    let calls = 0;
    registerKernel(SPY, 'add', () => {
      calls++;
      return tensor([42], [1]) as Tensor;
    });
    expect(registeredPrimitives(SPY)).toEqual(['add']);
    const r = withBackend(SPY, () => add(tensor([1], [1]), tensor([2], [1])) as Tensor);
    expect(r.toFlatArray()).toEqual([42]);
    expect(calls).toBe(1);
    expect((add(tensor([1], [1]), tensor([2], [1])) as Tensor).toFlatArray()).toEqual([3]);
  });

  it('an unknown backend name gets a BackendError listing the available backends, and the current one stays', () => {
    setBackend('cpu');
    for (const select of [() => setBackend('no-such-backend'), () => withBackend('cpu_threads', () => 1), () => setBackend(undefined as never)]) {
      let error: unknown;
      try {
        select();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).code).toBe('backend');
      expect((error as Error).message).toMatch(/unknown backend .*; available: cpu, /);
      for (const name of ['cpu', 'cpu-threads', 'wasm', 'gpujs']) expect((error as Error).message).toContain(name);
    }
    expect(getBackend()).toBe('cpu');
    expect(availableBackends()).toEqual(expect.arrayContaining(['cpu', 'cpu-threads', 'wasm', 'gpujs']));
  });

  it('backendInfo says when a backend has no kernels and everything runs on the cpu', () => {
    const info = backendInfo('no-such-backend');
    expect(info.actual).toBe('cpu');
    expect(info.reason).toMatch(/no kernels are registered/);
    expect(backendInfo('cpu')).toMatchObject({ backend: 'cpu', actual: 'cpu', reason: null });
  });
});
