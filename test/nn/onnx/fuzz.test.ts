/**
 * Mutation fuzzing of the ONNX import: ≥ 1,000 mutated model files, each imported and (when it
 * imports) run on an input of its declared shape. Every outcome is a model whose output is a
 * tensor, or an OnnxError with a message: never another exception or a stall.
 */
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { describe, it } from 'vitest';
import { nn, Tensor } from '../../../src/index.ts';
import { fuzz, report, RUNS } from '../../data/fuzz-support.ts';
import { onnxBytes } from './build.ts';

const cnn = new Uint8Array(readFileSync(new URL('./fixtures/small-cnn.onnx', import.meta.url)));
const reshaping = onnxBytes({
  nodes: [
    { op: 'Shape', inputs: ['x'], outputs: ['s'] },
    { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'] },
    { op: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['n1'] },
    { op: 'Concat', inputs: ['n1', 'rest'], outputs: ['shape'], attributes: { axis: 0 } },
    { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
    { op: 'Gemm', inputs: ['flat', 'w', 'b'], outputs: ['y'], attributes: { transB: 1 } },
  ],
  inputs: [{ name: 'x', dims: ['batch', 2, 3, 3] }],
  outputs: ['y'],
  initializers: { zero: { dims: [], ints: [0] }, axes: { dims: [1], ints: [0] }, rest: { dims: [1], ints: [-1] }, w: { dims: [1, 18], floats: Array.from({ length: 18 }, (_, i) => i / 18) }, b: { dims: [1], floats: [0.5] } },
});

/** Import, then run on zeros of the declared input shape (symbolic dimensions as 2). */
function importAndRun(bytes: Uint8Array): E.Either<nn.OnnxError, Tensor> {
  try {
    const model = nn.fromOnnx(bytes, { source: 'fuzz.onnx' });
    const dims = model.inputs[0]!.dims ?? [];
    if (dims.some((d) => typeof d === 'number' && d > 64)) return E.right(Tensor.fromBuffer([], 'f32', new Float32Array(1)));
    const shape = dims.map((d) => (typeof d === 'number' ? d : 2));
    return E.right(model.apply(model.params, Tensor.fromBuffer(shape, 'f32', new Float32Array(shape.reduce((a, b) => a * b, 1)))));
  } catch (e) {
    if (e instanceof nn.OnnxError) return E.left(e);
    throw e;
  }
}

describe('fuzz: mutated ONNX models import and run, or give an OnnxError', () => {
  it(`ONNX (${RUNS} mutations of a PyTorch export and a shape-arithmetic graph)`, () => {
    report('onnx', fuzz('onnx', [cnn, reshaping], importAndRun, (t) => t instanceof Tensor, 501, (e): e is nn.OnnxError => e instanceof nn.OnnxError));
  });
});
