/**
 * The parity fixture: a small CNN exported from PyTorch (scripts/onnx-fixture/small_cnn.py), with
 * PyTorch's logits and input gradients on fixed inputs in float32 and float64. fgflow imports the
 * same file and must agree within ONNX_PARITY, and its derivatives must be derivatives to second
 * order (central differences in f64).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grad, hvp, nn, square, sum, Tensor } from '../../../src/index.ts';
import { FD, ONNX_PARITY } from '../../../props/support/tolerance.ts';

const here = new URL('./fixtures/', import.meta.url);
const bytes = new Uint8Array(readFileSync(new URL('small-cnn.onnx', here)));
const fixture = JSON.parse(readFileSync(new URL('small-cnn.json', here), 'utf8')) as {
  ops: string[];
  inputShape: number[];
  input: number[];
  float32: { logits: number[]; inputGradients: number[] };
  float64: { logits: number[]; inputGradients: number[] };
};

function input(dtype: 'f32' | 'f64'): Tensor {
  return Tensor.fromBuffer(fixture.inputShape, dtype, dtype === 'f32' ? Float32Array.from(fixture.input) : Float64Array.from(fixture.input));
}

function expectParity(got: ArrayLike<number>, want: readonly number[], tol: { rtol: number; atolOfMax: number }, what: string): void {
  expect(got.length, what).toBe(want.length);
  const scale = Math.max(...want.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i]! - want[i]!) - (tol.rtol * Math.abs(want[i]!) + tol.atolOfMax * scale);
    if (excess > worst) worst = excess;
  }
  expect(worst, `${what}: largest excess over the tolerance`).toBe(0);
}

describe('a CNN exported from PyTorch', () => {
  it('imports with the ops PyTorch wrote into it', () => {
    const model = nn.fromOnnx(bytes);
    expect(model.ops).toEqual(fixture.ops);
    expect(model.inputs).toEqual([{ name: 'input', dims: ['batch', 2, 24, 24] }]);
    expect(Object.keys(model.params)).toContain('bn1.running_var');
  });

  for (const dtype of ['f32', 'f64'] as const) {
    it(`gives PyTorch's logits and input gradients in ${dtype}`, () => {
      const model = nn.fromOnnx(bytes, { dtype });
      const reference = dtype === 'f32' ? fixture.float32 : fixture.float64;
      const x = input(dtype);
      const logits = model.apply(model.params, x);
      expect(logits.shape).toEqual([3, 1]);
      expectParity(logits.data, reference.logits, ONNX_PARITY[dtype], 'logits');
      const g = grad((image: Tensor) => sum(model.apply(model.params, image)))(x) as Tensor;
      expectParity(g.data, reference.inputGradients, ONNX_PARITY[dtype], 'input gradients');
    });
  }

  it('is differentiable to second order: its Hessian–vector product matches central differences of its gradient (f64)', () => {
    const model = nn.fromOnnx(bytes, { dtype: 'f64' });
    const x = input('f64');
    const v = Tensor.fromBuffer(x.shape, 'f64', Float64Array.from(x.data, (_, i) => Math.sin(1.7 * i)));
    const f = (image: Tensor) => sum(model.apply(model.params, image));
    const g = grad(f);
    const h = FD.f64.h;
    const at = (s: number) => (g(Tensor.fromBuffer(x.shape, 'f64', Float64Array.from(x.data, (xi, i) => xi + s * v.data[i]!))) as Tensor).data;
    const plus = at(h), minus = at(-h);
    const Hv = (hvp(f, x, v) as Tensor).data;
    for (let i = 0; i < Hv.length; i++) expect(Math.abs(Hv[i]! - (plus[i]! - minus[i]!) / (2 * h))).toBeLessThanOrEqual(FD.f64.atol + FD.f64.rtol * Math.abs(Hv[i]!));
  });

  it('trains through its input gradient: d/dparams ‖∇ₓf‖² matches central differences along a direction (f64)', () => {
    const model = nn.fromOnnx(bytes, { dtype: 'f64' });
    const x = input('f64');
    const energy = (p: nn.OnnxParams) => sum(square(grad((image: Tensor) => sum(model.apply(p, image)))(x) as Tensor));
    const name = 'fc1.weight';
    const dParams = grad(energy)(model.params) as nn.OnnxParams;
    const w = model.params[name]!;
    const dir = Float64Array.from(w.data, (_, i) => Math.cos(0.9 * i));
    const h = FD.f64.h;
    const shifted = (s: number) => energy({ ...model.params, [name]: Tensor.fromBuffer(w.shape, 'f64', Float64Array.from(w.data, (wi, i) => wi + s * dir[i]!)) }).item();
    const fd = (shifted(h) - shifted(-h)) / (2 * h);
    const ad = Array.from(dParams[name]!.data).reduce((acc, gi, i) => acc + gi * dir[i]!, 0);
    expect(Math.abs(ad - fd)).toBeLessThanOrEqual(FD.f64.atol + FD.f64.rtol * Math.abs(fd));
  });
});
