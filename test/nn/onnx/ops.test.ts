/**
 * One test per supported ONNX op: a one-node model (written with the ONNX schema) run by
 * nn.fromOnnx against the fgflow operations it stands for, or a naive loop where ONNX's
 * semantics (asymmetric padding, count_include_pad, opset-11 Softmax) have no single equivalent.
 * Values are f64, so agreement is exact or to rounding.
 */
import { describe, expect, it } from 'vitest';
import * as F from '../../../src/index.ts';
import { nn, Tensor } from '../../../src/index.ts';
import { IDENTITY } from '../../../props/support/tolerance.ts';
import { onnxBytes, singleNode, type TensorSpec } from './build.ts';

const T = (x: unknown) => x as Tensor;
// Values exact in float32, as ONNX stores initializers and float attributes.
const values = (n: number, seed = 1) => Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed * 12.9898 + i * 78.233) * 1.5));
const f32 = Math.fround;
const f64 = (dims: readonly number[], seed = 1) => Tensor.fromBuffer(dims, 'f64', Float64Array.from(values(dims.reduce((a, b) => a * b, 1), seed)));
const spec = (t: Tensor): TensorSpec => ({ dims: t.shape, floats: Array.from(t.data) });
const ints = (v: readonly number[]): TensorSpec => ({ dims: [v.length], ints: v });

function run(bytes: Uint8Array, x: Tensor): Tensor {
  const model = nn.fromOnnx(bytes, { dtype: 'f64' });
  return model.apply(model.params, x);
}

function expectSame(got: Tensor, want: Tensor): void {
  expect(got.shape).toEqual(want.shape);
  const scale = Array.from(want.data).reduce((a, b) => a + Math.abs(b), 0) + 1;
  for (let i = 0; i < want.size; i++) expect(Math.abs(got.data[i]! - want.data[i]!)).toBeLessThanOrEqual(IDENTITY.f64.rel * scale);
}

/** Max or mean over each window of a zero- or −∞-padded image, by loops: ONNX's definitions. */
function naivePool(x: Tensor, k: number, stride: number, pads: readonly number[], kind: 'max' | 'mean' | 'meanIncludingPad', ceil = false): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [t, l, b, r] = pads as [number, number, number, number];
  const out = (size: number, lo: number, hi: number) => {
    const o = (ceil ? Math.ceil : Math.floor)((size + lo + hi - k) / stride) + 1;
    return ceil && (o - 1) * stride >= size + lo ? o - 1 : o;
  };
  const oh = out(h, t, b), ow = out(w, l, r);
  const data: number[] = [];
  for (let p = 0; p < n * c; p++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity, total = 0, count = 0, declared = 0;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const y = oy * stride + ky - t, xx = ox * stride + kx - l;
            if (y < h + b && xx < w + r) declared++;
            if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
            const v = x.data[(p * h + y) * w + xx]!;
            best = Math.max(best, v);
            total += v;
            count++;
          }
        data.push(kind === 'max' ? best : total / (kind === 'mean' ? count : declared));
      }
  return Tensor.fromBuffer([n, c, oh, ow], 'f64', Float64Array.from(data));
}

describe('each supported op equals its fgflow equivalent', () => {
  const x4 = f64([2, 2, 7, 6]);

  it('Conv: symmetric pads, stride 2 and bias are conv2d plus the bias', () => {
    const w = f64([3, 2, 3, 3], 2), b = f64([3], 3);
    const got = run(singleNode('Conv', [2, 2, 7, 6], { initializers: { w: spec(w), b: spec(b) }, attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] } }), x4);
    expectSame(got, T(F.add(F.conv2d(x4 as never, w as never, { stride: 2, padding: 1 }), F.reshape(b, [1, 3, 1, 1]) as never)));
  });

  it('Conv: asymmetric pads are an explicit pad then a valid conv2d; group 2 is two conv2d concatenated; SAME_UPPER is conv2d same', () => {
    const w = f64([3, 2, 2, 3], 4);
    const asym = run(singleNode('Conv', [2, 2, 7, 6], { initializers: { w: spec(w) }, attributes: { kernel_shape: [2, 3], pads: [0, 1, 1, 0] } }), x4);
    expectSame(asym, T(F.conv2d(F.pad(x4 as never, [[0, 0], [0, 0], [0, 1], [1, 0]]) as never, w as never)));
    const wg = f64([4, 1, 3, 3], 5);
    const grouped = run(singleNode('Conv', [2, 2, 7, 6], { initializers: { w: spec(wg) }, attributes: { kernel_shape: [3, 3], group: 2 } }), x4);
    const part = (k: number) => F.conv2d(T(F.slice(x4 as never, [0, k, 0, 0], [2, 1, 7, 6])) as never, T(F.slice(wg as never, [2 * k, 0, 0, 0], [2, 1, 3, 3])) as never);
    expectSame(grouped, T(F.concat([part(0), part(1)] as never, 1)));
    const same = run(singleNode('Conv', [2, 2, 7, 6], { initializers: { w: spec(f64([3, 2, 3, 3], 6)) }, attributes: { kernel_shape: [3, 3], auto_pad: 'SAME_UPPER', strides: [2, 2] } }), x4);
    expectSame(same, T(F.conv2d(x4 as never, f64([3, 2, 3, 3], 6) as never, { stride: 2, padding: 'same' })));
  });

  it('MaxPool: maxPool2d without pads; ONNX’s −∞ padding and ceil_mode as loops define them', () => {
    expectSame(run(singleNode('MaxPool', [2, 2, 7, 6], { attributes: { kernel_shape: [2, 2], strides: [2, 2] } }), x4), T(F.maxPool2d(x4 as never, { size: 2 })));
    expectSame(run(singleNode('MaxPool', [2, 2, 7, 6], { attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }), x4), naivePool(x4, 3, 2, [1, 1, 1, 1], 'max'));
    expectSame(run(singleNode('MaxPool', [2, 2, 7, 6], { attributes: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } }), x4), naivePool(x4, 2, 2, [0, 0, 0, 0], 'max', true));
  });

  it('AveragePool: avgPool2d without pads; pads exclude (default) or include (count_include_pad) the padding', () => {
    expectSame(run(singleNode('AveragePool', [2, 2, 7, 6], { attributes: { kernel_shape: [3, 3], strides: [1, 1] } }), x4), T(F.avgPool2d(x4 as never, { size: 3, stride: 1 })));
    expectSame(run(singleNode('AveragePool', [2, 2, 7, 6], { attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }), x4), naivePool(x4, 3, 2, [1, 1, 1, 1], 'mean'));
    expectSame(run(singleNode('AveragePool', [2, 2, 7, 6], { attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } }), x4), naivePool(x4, 3, 2, [1, 1, 1, 1], 'meanIncludingPad'));
    expectSame(run(singleNode('AveragePool', [2, 2, 7, 6], { attributes: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } }), x4), naivePool(x4, 2, 2, [0, 0, 0, 0], 'mean', true));
  });

  it('GlobalAveragePool is the mean over H and W, kept as 1×1', () => {
    expectSame(run(singleNode('GlobalAveragePool', [2, 2, 7, 6]), x4), T(F.mean(x4 as never, [2, 3], { keepDims: true })));
  });

  it('BatchNormalization (inference) is (x − mean)/√(var + ε)·scale + bias per channel', () => {
    const [scale, bias, mu] = [f64([2], 7), f64([2], 8), f64([2], 9)];
    const variance = Tensor.fromBuffer([2], 'f64', Float64Array.of(0.5, 2));
    const got = run(singleNode('BatchNormalization', [2, 2, 7, 6], { initializers: { s: spec(scale), b: spec(bias), m: spec(mu), v: spec(variance) }, attributes: { epsilon: { float: 0.01 } } }), x4);
    const col = (t: Tensor) => F.reshape(t, [1, 2, 1, 1]);
    expectSame(got, T(F.add(F.mul(F.div(F.sub(x4 as never, col(mu) as never), F.sqrt(F.add(col(variance), f32(0.01))) as never), col(scale) as never), col(bias) as never)));
  });

  it('Relu, Sigmoid and Tanh are relu, sigmoid and tanh; LeakyRelu and Elu follow their alpha', () => {
    for (const [op, f] of [['Relu', F.relu], ['Sigmoid', F.sigmoid], ['Tanh', F.tanh]] as const) expectSame(run(singleNode(op, [2, 2, 7, 6]), x4), T(f(x4)));
    expectSame(run(singleNode('LeakyRelu', [2, 2, 7, 6], { attributes: { alpha: { float: 0.2 } } }), x4), T(F.maximum(x4, F.mul(x4, f32(0.2)) as never)));
    expectSame(run(singleNode('Elu', [2, 2, 7, 6]), x4), T(F.elu(x4)));
    expectSame(run(singleNode('Elu', [2, 2, 7, 6], { attributes: { alpha: { float: 0.5 } } }), x4), T(F.where(F.greater(x4, 0), x4, F.mul(F.sub(F.exp(x4), 1), 0.5) as never)));
  });

  it('Add, Sub, Mul and Div broadcast like add, sub, mul and div', () => {
    const b = f64([1, 2, 1, 6], 10);
    const bAway = Tensor.fromBuffer(b.shape, 'f64', Float64Array.from(b.data, (v) => f32(v >= 0 ? v + 0.5 : v - 0.5)));
    for (const [op, f, rhs] of [['Add', F.add, b], ['Sub', F.sub, b], ['Mul', F.mul, b], ['Div', F.div, bAway]] as const)
      expectSame(run(singleNode(op, [2, 2, 7, 6], { initializers: { b: spec(rhs) } }), x4), T((f as (a: Tensor, c: Tensor) => unknown)(x4, rhs)));
  });

  it('Gemm is alpha·op(A)·op(B) + beta·C; MatMul is matmul, with 1-D operands as numpy takes them', () => {
    const a = f64([4, 3]), w = f64([5, 3], 11), c = f64([5], 12);
    const got = run(singleNode('Gemm', [4, 3], { initializers: { w: spec(w), c: spec(c) }, attributes: { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } } }), a);
    expectSame(got, T(F.add(F.mul(F.matmulT(a, w, { transB: true }), 0.5), F.mul(c, 2) as never)));
    const m = f64([3, 2], 13);
    expectSame(run(singleNode('MatMul', [2, 4, 3], { initializers: { m: spec(m) } }), f64([2, 4, 3])), T(F.matmul(f64([2, 4, 3]) as never, m as never)));
    expectSame(run(singleNode('MatMul', [3], { initializers: { m: spec(m) } }), f64([3])), T(F.reshape(F.matmul(F.reshape(f64([3]), [1, 3]) as never, m as never), [2])));
  });

  it('Flatten, Reshape (0 copies, −1 solves), Transpose and Concat are reshape, transpose and concat', () => {
    expectSame(run(singleNode('Flatten', [2, 2, 7, 6], { attributes: { axis: 2 } }), x4), T(F.reshape(x4, [4, 42])));
    expectSame(run(singleNode('Reshape', [2, 2, 7, 6], { initializers: { s: ints([0, -1, 6]) } }), x4), T(F.reshape(x4, [2, 14, 6])));
    expectSame(run(singleNode('Transpose', [2, 2, 7, 6], { attributes: { perm: [0, 2, 3, 1] } }), x4), T(F.transpose(x4 as never, [0, 2, 3, 1])));
    const other = f64([2, 1, 7, 6], 14);
    expectSame(run(singleNode('Concat', [2, 2, 7, 6], { initializers: { o: spec(other) }, attributes: { axis: 1 } }), x4), T(F.concat([x4, other] as never, 1)));
  });

  it('Softmax and LogSoftmax normalise over the axis (opset 13) or, before opset 13, over everything from the axis on', () => {
    const x = f64([2, 3, 4]);
    const lsm = (t: Tensor, axis: number) => F.sub(t, F.reshape(F.logSumExp(t, [axis]), t.shape.map((d, i) => (i === axis ? 1 : d))) as never);
    expectSame(run(singleNode('LogSoftmax', [2, 3, 4]), x), T(lsm(x, 2)));
    expectSame(run(singleNode('Softmax', [2, 3, 4], { attributes: { axis: 1 } }), x), T(F.exp(lsm(x, 1) as never)));
    expectSame(run(singleNode('Softmax', [2, 3, 4], { opset: 11, attributes: { axis: 1 } }), x), T(F.reshape(F.exp(lsm(F.reshape(x, [2, 12]), 1) as never), [2, 3, 4])));
  });

  it('Dropout and Identity pass their input through; Pad pads with its constant', () => {
    for (const op of ['Dropout', 'Identity']) expectSame(run(singleNode(op, [2, 2, 7, 6]), x4), x4);
    const padded = run(onnxBytes({ nodes: [{ op: 'Pad', inputs: ['x', 'p', 'v'], outputs: ['y'] }], inputs: [{ name: 'x', dims: [2, 2, 7, 6] }], outputs: ['y'], initializers: { p: ints([0, 0, 1, 2, 0, 0, 3, 0]), v: { dims: [], floats: [0.25] } } }), x4);
    expectSame(padded, T(F.add(F.pad(F.sub(x4, 0.25) as never, [[0, 0], [0, 0], [1, 3], [2, 0]]), 0.25)));
  });

  it('Constant, Shape, Gather, Unsqueeze, Squeeze and Concat of integers give x.view(x.size(0), -1) as PyTorch exports it', () => {
    const bytes = onnxBytes({
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Constant', inputs: [], outputs: ['zero'], attributes: { value: { dims: [], ints: [0] } } },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'] },
        { op: 'Constant', inputs: [], outputs: ['axes'], attributes: { value: ints([0]) } },
        { op: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['n1'] },
        { op: 'Constant', inputs: [], outputs: ['rest'], attributes: { value: ints([-1]) } },
        { op: 'Concat', inputs: ['n1', 'rest'], outputs: ['shape'], attributes: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
        { op: 'Unsqueeze', inputs: ['flat', 'axes'], outputs: ['u'] },
        { op: 'Squeeze', inputs: ['u', 'axes'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', dims: ['batch', 2, 7, 6] }],
      outputs: ['y'],
    });
    expectSame(run(bytes, x4), T(F.reshape(x4, [2, 84])));
  });
});

describe('models the importer refuses', () => {
  it('an unsupported op gets an OnnxError naming the op, the node and the supported ops', () => {
    const bytes = onnxBytes({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Resize', name: 'upsample', inputs: ['r'], outputs: ['y'] }], inputs: [{ name: 'x', dims: [1, 1, 4, 4] }], outputs: ['y'] });
    expect(() => nn.fromOnnx(bytes, { source: 'model.onnx' })).toThrow(expect.objectContaining({ name: 'OnnxError', code: 'onnx:unsupported-op', message: expect.stringMatching(/^model\.onnx: node 1 'upsample' \(Resize\): op Resize is not supported; fgflow imports Add, AveragePool, BatchNormalization, .*Transpose, Unsqueeze$/) }));
  });

  it('an op from a custom domain gets an OnnxError naming the domain', () => {
    const bytes = onnxBytes({ nodes: [{ op: 'FusedConv', domain: 'com.microsoft', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', dims: [1] }], outputs: ['y'] });
    expect(() => nn.fromOnnx(bytes)).toThrow(/op com\.microsoft\.FusedConv from a custom domain is not supported/);
  });

  it('bytes that are not an ONNX model get onnx:unreadable naming the file', () => {
    expect(() => nn.fromOnnx(new TextEncoder().encode('not a model at all'), { source: 'notes.txt' })).toThrow(expect.objectContaining({ code: 'onnx:unreadable', message: expect.stringMatching(/^notes\.txt: not an ONNX model/) }));
  });

  it('a node input no one produces gets onnx:bad-graph naming the node and the input', () => {
    const bytes = onnxBytes({ nodes: [{ op: 'Add', inputs: ['x', 'ghost'], outputs: ['y'] }], inputs: [{ name: 'x', dims: [1] }], outputs: ['y'] });
    expect(() => nn.fromOnnx(bytes)).toThrow(expect.objectContaining({ code: 'onnx:bad-graph', message: expect.stringMatching(/node 0 'n0' \(Add\): input 'ghost' is produced by no earlier node/) }));
  });

  it('an input of the wrong shape gets onnx:bad-input naming the input and both shapes; dilated convolutions get onnx:unsupported', () => {
    const model = nn.fromOnnx(singleNode('Relu', ['batch', 2, 7, 6]), { dtype: 'f64' });
    expect(() => model.apply(model.params, f64([2, 1, 7, 6]))).toThrow(expect.objectContaining({ code: 'onnx:bad-input', message: expect.stringMatching(/input 'x' must have shape \[batch, 2, 7, 6\], got \[2, 1, 7, 6\]/) }));
    const dilated = nn.fromOnnx(singleNode('Conv', [2, 2, 7, 6], { initializers: { w: spec(f64([1, 2, 3, 3])) }, attributes: { kernel_shape: [3, 3], dilations: [2, 2] } }), { dtype: 'f64' });
    expect(() => dilated.apply(dilated.params, f64([2, 2, 7, 6]))).toThrow(expect.objectContaining({ code: 'onnx:unsupported', message: expect.stringMatching(/\(Conv\): dilations \[2, 2\] are not supported/) }));
  });
});

describe('the logit fgflow interprets', () => {
  it('steps over a final Sigmoid or Softmax, and reads two class scores as z₁ − z₀', () => {
    const x = f64([3, 2]);
    const sig = nn.binaryLogit(nn.fromOnnx(onnxBytes({ nodes: [{ op: 'Gemm', inputs: ['x', 'w'], outputs: ['z'], attributes: { transB: 1 } }, { op: 'Sigmoid', inputs: ['z'], outputs: ['p'] }], inputs: [{ name: 'x', dims: [3, 2] }], outputs: ['p'], initializers: { w: { dims: [1, 2], floats: [0.5, -1] } } }), { dtype: 'f64' }));
    expectSame(sig.apply(sig.init(F.random.key(0)) as never, x as never) as Tensor, T(F.matmulT(x, Tensor.fromBuffer([1, 2], 'f64', Float64Array.of(0.5, -1)), { transB: true })));
    expect(sig.readout).toMatch(/^'z' \(before Sigmoid\)/);
    const two = nn.binaryLogit(nn.fromOnnx(onnxBytes({ nodes: [{ op: 'Gemm', inputs: ['x', 'w'], outputs: ['z'], attributes: { transB: 1 } }, { op: 'Softmax', inputs: ['z'], outputs: ['p'], attributes: { axis: 1 } }], inputs: [{ name: 'x', dims: [3, 2] }], outputs: ['p'], initializers: { w: { dims: [2, 2], floats: [1, 0, 0, 1] } } }), { dtype: 'f64' }));
    expectSame(two.apply(two.init(F.random.key(0)) as never, x as never) as Tensor, T(F.sub(F.slice(x as never, [0, 1], [3, 1]), F.slice(x as never, [0, 0], [3, 1]) as never)));
  });

  it('an output of three scores per sample gets onnx:unsupported naming the output', () => {
    const three = nn.binaryLogit(nn.fromOnnx(singleNode('Relu', [2, 3]), { dtype: 'f64' }));
    expect(() => three.apply(three.init(F.random.key(0)) as never, f64([2, 3]) as never)).toThrow(/output 'y' has 3 values per sample; fgflow interprets a binary classifier/);
  });
});
