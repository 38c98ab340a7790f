/**
 * A classifier imported from ONNX as the one score fgflow interprets: the logit of the positive
 * class, [N, 1]. A final Sigmoid, Softmax or LogSoftmax is stepped over (its input is read
 * instead), so the logit is exact however saturated the probabilities are. Then an output of one
 * value per sample is the logit itself, and one of two values per sample (two-class logits) gives
 * z₁ − z₀, the log-odds of class 1, which is what a softmax over the two turns into p₁.
 */
import { reshape, slice, sub } from '../../ad/ops.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import type { Model } from '../layers.ts';
import { OnnxError } from './errors.ts';
import type { OnnxModel, OnnxParams } from './model.ts';

const FINAL_ACTIVATIONS = new Set(['Sigmoid', 'Softmax', 'LogSoftmax']);

export interface BinaryLogitModel extends Model<OnnxParams> {
  /** How the logit is read, for reports: e.g. "z₁ − z₀ of 'logits' (before Softmax)". */
  readonly readout: string;
}

export function binaryLogit(model: OnnxModel): BinaryLogitModel {
  const node = model.outputNode;
  const stepped = node && FINAL_ACTIVATIONS.has(node.op) ? model.withOutput(node.inputs[0]!) : model;
  const before = stepped !== model ? ` (before ${node!.op})` : '';
  const apply = (params: OnnxParams, x: Tensor): Tensor => {
    const y = stepped.apply(params, x) as Tensor;
    const n = y.shape[0] ?? 0;
    const per = y.size / Math.max(1, n);
    if (per === 1) return reshape(y, [n, 1]) as Tensor;
    if (per === 2) {
      const z = reshape(y, [n, 2]) as Tensor;
      return sub(slice(z as never, [0, 1], [n, 1]) as never, slice(z as never, [0, 0], [n, 1]) as never) as Tensor;
    }
    throw new OnnxError('onnx:unsupported', `the model's output '${stepped.output}' has ${per} values per sample; fgflow interprets a binary classifier (one logit, or two class scores, per sample)`);
  };
  return { init: (key) => stepped.init(key), apply: apply as never, readout: `'${stepped.output}'${before}; z₁ − z₀ when it holds two class scores` };
}
