/**
 * The experiment's model: the paper's CNN behind a fixed input stage. Its interface is always the
 * prepared data, [N, 2, S, S] = [windowed CT, tumour mask], so every interpretability measure takes
 * the CT channel as the image and holds the mask fixed; what the CNN itself sees is a choice:
 *
 * - 'ct+mask' (default, the paper's inputs as we read them): both channels;
 * - 'ct': the CT channel only, so the tumour's shape must be read from its intensities;
 * - 'masked-ct': the CT inside the mask only (M ⊙ CT), so every input the model uses is a CT pixel.
 *
 * Why offer more than one: with the mask as an input the model can read the tumour's size and
 * elongation from the mask channel, which the CT gradient never sees; S and A of shape features
 * then measure only how the model responds to the CT's intensities. The recovery study shows it.
 *
 * Each CNN input channel is then shifted and scaled by the training split's mean and standard
 * deviation (constants, not trained): the CNN sees inputs of unit scale, and a per-channel scale
 * changes no squared cosine.
 */
import * as E from 'fp-ts/lib/Either.js';
import { div, mean, mul, reshape, slice, sqrt, square, sub } from '../ad/ops.ts';
import { paperCnn, validateCnnConfig, type CnnConfig, type CnnParams, type Dataset, type Model } from '../nn/index.ts';
import { Tensor } from '../tensor/tensor.ts';
import { ExperimentError } from './errors.ts';

export type InputMode = 'ct+mask' | 'ct' | 'masked-ct';
export const INPUT_MODES: readonly InputMode[] = ['ct+mask', 'ct', 'masked-ct'];

export interface InputScaling {
  readonly mean: readonly number[];
  readonly sd: readonly number[];
}

/** The model's configuration as checkpoints store it (JSON). */
export interface ExperimentModelConfig {
  readonly cnn: CnnConfig;
  /** Absent in checkpoints written before input modes existed: 'ct+mask'. */
  readonly inputs?: InputMode;
  readonly input: InputScaling;
}

export interface ExperimentModel extends Model<CnnParams> {
  readonly config: ExperimentModelConfig;
}

type Batch4 = Tensor<[number, number, number, number]>;

const channel = (x: Batch4, c: number): Batch4 => slice(x, [0, c, 0, 0], [x.shape[0], 1, x.shape[2], x.shape[3]]) as Batch4;

/** What the CNN sees of the prepared [CT, mask] input. */
export function cnnInput(mode: InputMode, x: Tensor): Tensor {
  const x4 = x as Batch4;
  if (mode === 'ct+mask') return x;
  if (mode === 'ct') return channel(x4, 0);
  return mul(channel(x4, 0), channel(x4, 1));
}

export function inputChannels(mode: InputMode): number {
  return mode === 'ct+mask' ? 2 : 1;
}

/** Per-channel mean and sd of the CNN's input over a dataset (sd 1 for a constant channel). */
export function fitInputScaling(mode: InputMode, data: Dataset): InputScaling {
  const x = cnnInput(mode, data.x) as Batch4;
  const m = mean(x, [0, 2, 3], { keepDims: true });
  const sd = sqrt(mean(square(sub(x, m)), [0, 2, 3]));
  return { mean: Array.from(m.data), sd: Array.from(sd.data, (v) => (v > 0 ? v : 1)) };
}

const IDENTITY = (channels: number): InputScaling => ({ mean: new Array(channels).fill(0), sd: new Array(channels).fill(1) });

export function experimentModel(cnnConfig: Partial<CnnConfig>, inputs: InputMode = 'ct+mask', scaling?: InputScaling): ExperimentModel {
  const cnn = paperCnn({ ...cnnConfig, inChannels: inputChannels(inputs) });
  const s = scaling ?? IDENTITY(cnn.config.inChannels);
  if (s.mean.length !== cnn.config.inChannels || s.sd.length !== cnn.config.inChannels) {
    throw new ExperimentError('mismatch', `input scaling has ${s.mean.length} channels but the CNN takes ${cnn.config.inChannels}`);
  }
  const dtype = cnn.config.dtype;
  const column = (v: readonly number[]) => reshape(Tensor.fromBuffer([v.length], dtype, dtype === 'f64' ? Float64Array.from(v) : Float32Array.from(v)), [1, v.length, 1, 1]);
  const [shift, scale] = [column(s.mean), column(s.sd)];
  return {
    config: { cnn: cnn.config, inputs, input: { mean: [...s.mean], sd: [...s.sd] } },
    init: (key) => cnn.init(key),
    apply: (params, x) => cnn.apply(params, div(sub(cnnInput(inputs, x) as never, shift as never), scale as never) as never),
  };
}

/** Rebuilds the model a checkpoint's config describes. */
export function modelFromConfig(config: unknown, file: string): ExperimentModel {
  const c = config as Partial<ExperimentModelConfig> | null;
  if (!c || typeof c !== 'object' || !c.cnn || !c.input) throw new ExperimentError('mismatch', `${file}: not an experiment checkpoint (its model config has no cnn and input scaling)`);
  const inputs = c.inputs ?? 'ct+mask';
  if (!INPUT_MODES.includes(inputs)) throw new ExperimentError('mismatch', `${file}: unknown input mode ${JSON.stringify(inputs)} (known: ${INPUT_MODES.join(', ')})`);
  const { inChannels: _c, ...cnnConfig } = c.cnn;
  const cnn = validateCnnConfig({ ...cnnConfig, inChannels: inputChannels(inputs) });
  if (E.isLeft(cnn)) throw new ExperimentError('mismatch', `${file}: its CNN config is invalid: ${cnn.left.message}`);
  return experimentModel(cnn.right, inputs, c.input);
}
