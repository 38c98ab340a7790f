/**
 * The experiment's model: the paper's CNN behind a fixed input standardisation. Each channel is
 * shifted and scaled by the training split's mean and standard deviation (constants, not trained),
 * so the CNN sees inputs of unit scale while every interpretability measure still takes the
 * windowed CT itself as the image (a per-channel scale changes no squared cosine).
 */
import { div, sub } from '../ad/ops.ts';
import { paperCnn, validateCnnConfig, type CnnConfig, type CnnParams, type Dataset, type Model } from '../nn/index.ts';
import * as E from 'fp-ts/lib/Either.js';
import { Tensor } from '../tensor/tensor.ts';
import { ExperimentError } from './errors.ts';

export interface InputScaling {
  readonly mean: readonly number[];
  readonly sd: readonly number[];
}

/** The model's configuration as checkpoints store it (JSON). */
export interface ExperimentModelConfig {
  readonly cnn: CnnConfig;
  readonly input: InputScaling;
}

export interface ExperimentModel extends Model<CnnParams> {
  readonly config: ExperimentModelConfig;
}

/** Per-channel mean and sd of x [N, C, H, W] (sd 1 for a constant channel). */
export function channelScaling(data: Dataset): InputScaling {
  const [n, c, h, w] = data.x.shape as readonly number[] as [number, number, number, number];
  const plane = h * w;
  const mean: number[] = [];
  const sd: number[] = [];
  const x = data.x.data;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const o = (i * c + ch) * plane;
      for (let k = 0; k < plane; k++) {
        const v = x[o + k]!;
        s += v;
        s2 += v * v;
      }
    }
    const m = s / (n * plane);
    const variance = Math.max(0, s2 / (n * plane) - m * m);
    mean.push(m);
    sd.push(variance > 0 ? Math.sqrt(variance) : 1);
  }
  return { mean, sd };
}

const IDENTITY = (channels: number): InputScaling => ({ mean: new Array(channels).fill(0), sd: new Array(channels).fill(1) });

export function experimentModel(cnnConfig: Partial<CnnConfig>, input?: InputScaling): ExperimentModel {
  const cnn = paperCnn(cnnConfig);
  const scaling = input ?? IDENTITY(cnn.config.inChannels);
  if (scaling.mean.length !== cnn.config.inChannels || scaling.sd.length !== cnn.config.inChannels) {
    throw new ExperimentError('mismatch', `input scaling has ${scaling.mean.length} channels but the CNN takes ${cnn.config.inChannels}`);
  }
  const dtype = cnn.config.dtype;
  const column = (v: readonly number[]) => Tensor.fromBuffer([1, v.length, 1, 1], dtype, dtype === 'f64' ? Float64Array.from(v) : Float32Array.from(v));
  const mean = column(scaling.mean);
  const sd = column(scaling.sd);
  return {
    config: { cnn: cnn.config, input: { mean: [...scaling.mean], sd: [...scaling.sd] } },
    init: (key) => cnn.init(key),
    apply: (params, x) => cnn.apply(params, div(sub(x as never, mean as never), sd as never) as never),
  };
}

/** Rebuilds the model a checkpoint's config describes. */
export function modelFromConfig(config: unknown, file: string): ExperimentModel {
  const c = config as Partial<ExperimentModelConfig> | null;
  if (!c || typeof c !== 'object' || !c.cnn || !c.input) throw new ExperimentError('mismatch', `${file}: not an experiment checkpoint (its model config has no cnn and input scaling)`);
  const cnn = validateCnnConfig(c.cnn);
  if (E.isLeft(cnn)) throw new ExperimentError('mismatch', `${file}: its CNN config is invalid: ${cnn.left.message}`);
  return experimentModel(cnn.right, c.input);
}
