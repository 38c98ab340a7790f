import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  availableBackends, BackendError, backendInfo, getBackend, registeredPrimitives, registerKernel, setBackend, unregisterBackend, withBackend, type KernelImpl,
} from '../../src/backend/node.ts';
import { add, matmulT, ones, tensor, type Aval, type ConvParams, type Tensor } from '../../src/index.ts';
import { addPrim } from '../../src/ad/primitives/binary.ts';
import { conv2dPrim } from '../../src/ad/primitives/conv.ts';
import { matmulPrim } from '../../src/ad/primitives/matmul.ts';
import type { MatmulFlags } from '../../src/tensor/geometry.ts';

const SPY = 'test-registry-spy';

afterEach(() => {
  setBackend('cpu');
  unregisterBackend(SPY);
});

describe('backend registry', () => {
  it('withBackend restores the previous backend when the function throws', () => {
    setBackend('cpu');
    // a backend is selectable once it registers something
    registerKernel(SPY, addPrim, () => undefined);
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
    registerKernel(SPY, addPrim, () => {
      calls++;
      return tensor([42], [1]) as Tensor;
    });
    expect(registeredPrimitives(SPY)).toEqual([addPrim]);
    const r = withBackend(SPY, () => add(tensor([1], [1]), tensor([2], [1])) as Tensor);
    expect(r.toFlatArray()).toEqual([42]);
    expect(calls).toBe(1);
    expect((add(tensor([1], [1]), tensor([2], [1])) as Tensor).toFlatArray()).toEqual([3]);
  });

  it('a kernel is keyed by its primitive and gets the primitive\'s params and the output aval of the shape rule', () => {
    const seen: { params: MatmulFlags; out: Aval }[] = [];
    registerKernel(SPY, matmulPrim, (_args, params, out) => {
      seen.push({ params, out });
      return undefined;
    });
    const r = withBackend(SPY, () => matmulT(ones([2, 3]), ones([4, 3]), { transB: true }));
    expect(seen).toEqual([{ params: { transA: false, transB: true }, out: { shape: [2, 4], dtype: 'f32' } }]);
    // The kernel declined (undefined), so the cpu kernel ran the call.
    expect(r.toFlatArray()).toEqual(new Array(8).fill(3));
  });

  it('registering by a name, or with another primitive\'s params, does not compile', () => {
    expectTypeOf<Parameters<KernelImpl<ConvParams>>[1]>().toEqualTypeOf<ConvParams>();
    const typeErrorsOnly = () => {
      // @ts-expect-error kernels are keyed by the primitive object, not by its name
      registerKernel(SPY, 'matmul', () => undefined);
      // @ts-expect-error a conv2d kernel receives ConvParams, not matmul flags
      registerKernel(SPY, conv2dPrim, (_args: readonly Tensor[], _params: MatmulFlags) => undefined);
    };
    expect(typeof typeErrorsOnly).toBe('function');
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
