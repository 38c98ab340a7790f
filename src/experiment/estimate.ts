/**
 * How long a plan will take, measured rather than guessed: a few training steps of the plan's own
 * model on its own data, on the backend that will run, scaled to the plan's jobs. Used to refuse a
 * run whose jobs cannot fit the time it is given (--budget), before any of them starts.
 */
import { alignmentLoss, alignmentReward } from '../interp/reward.ts';
import { valueAndGrad } from '../ad/transforms.ts';
import { adam, balancedPosWeight, bceWithLogits, gatherBatch, type Batch, type CnnParams } from '../nn/index.ts';
import * as random from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { splitForSeed, subset, type ExperimentData } from './data.ts';
import { ExperimentError } from './errors.ts';
import { featureSet } from './features.ts';
import { experimentModel, fitInputScaling } from './model.ts';
import type { ExperimentOptions } from './options.ts';
import type { Job } from './plan.ts';

/** Scoring, checkpoints and measuring on top of the training steps (a conservative allowance). */
const OVERHEAD = 1.35;

function secondsPerStep(o: ExperimentOptions, data: ExperimentData, rewarded: boolean): number {
  const split = splitForSeed(data.prepared.labels, o.seeds[0]!, o);
  const train = subset(data.prepared, split.train);
  const model = experimentModel({ inputSize: o.size, channels: [...o.channels], hidden: [...o.hidden] }, o.inputs, fitInputScaling(o.inputs, train));
  const params = model.init(random.key(0));
  const batch = gatherBatch(train, Array.from({ length: Math.min(o.batchSize, train.y.length) }, (_, i) => i));
  const posWeight = balancedPosWeight(train.y);
  const bce = (logits: Tensor, b: Batch) => bceWithLogits(logits as never, b.y, { posWeight });
  const loss = rewarded
    ? alignmentLoss<CnnParams, Batch, random.Key>(model, alignmentReward({ features: featureSet(o.features), lambda: 0.1, kind: o.reward }), bce)
    : (p: CnnParams, b: Batch) => bce(model.apply(p, b.x as never), b);
  const optimizer = adam({ lr: o.lr });
  let state = optimizer.init(params);
  let p = params;
  const step = () => {
    const [, grads] = valueAndGrad((q: CnnParams) => loss(q, batch, random.key(0)))(p);
    ({ params: p, state } = optimizer.update(grads, state, p));
  };
  step(); // the first step compiles and allocates; time the next ones
  const t0 = performance.now();
  for (let i = 0; i < 2; i++) step();
  return (performance.now() - t0) / 2000;
}

/** Estimated seconds for `jobs` of a plan, from timed steps of a plain and (if any) a rewarded model. */
export function estimateSeconds(o: ExperimentOptions, data: ExperimentData, jobs: readonly Job[]): number {
  const trainSize = splitForSeed(data.prepared.labels, o.seeds[0]!, o).train.length;
  const steps = o.epochs * Math.ceil(trainSize / o.batchSize);
  const plain = secondsPerStep(o, data, false);
  const rewarded = jobs.some((j) => j.lambda > 0) ? secondsPerStep(o, data, true) : plain;
  return jobs.reduce((s, j) => s + steps * (j.lambda > 0 ? rewarded : plain) * OVERHEAD, 0);
}

export function checkBudget(o: ExperimentOptions, data: ExperimentData, jobs: readonly Job[], what = 'the run'): number | null {
  if (o.budgetMinutes === undefined) return null;
  const seconds = estimateSeconds(o, data, jobs);
  if (seconds > o.budgetMinutes * 60) {
    throw new ExperimentError('plan', `${what} needs about ${(seconds / 60).toFixed(1)} min for its ${jobs.length} jobs (timed on this machine), more than --budget ${o.budgetMinutes} min: lower --seeds, --epochs or the number of models, or raise --budget`);
  }
  return seconds;
}
