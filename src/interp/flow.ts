/**
 * Gradient-flow alignment (METHOD.md, measure 3): follow γ' = −sign(f(x) − t)·∇f/‖∇f‖ from the
 * sample to the decision boundary f = t, and average S_i (and A) along the path by arc length.
 * The parts live in flow/: the integrators as tableaux, the crossing locator, each path's
 * trapezoid averages and log, and the engine that moves a batch of paths in lockstep.
 */
import { ArgumentError } from '../tensor/errors.ts';
import { DEFAULTS } from './defaults.ts';
import { FlowEngine, type FlowSample } from './flow/engine.ts';
import { resolveFlowOptions } from './flow/options.ts';
import type { BatchFlowOptions, FlowOptions, FlowResult } from './flow/types.ts';
import { perImage } from './model.ts';
import { row } from './rows.ts';
import { checkBatch, checkSample, nameColumns, type BatchFunction, type FeatureSet, type ImageFunction, type Sample, type SampleBatch } from './types.ts';

export type { BatchFlowOptions, FlowOptions, FlowPath, FlowResult, Integrator, StopReason } from './flow/types.ts';

/** Gradient-flow alignment F_i, F_A of `f` against the features from one sample `x`. */
export function flowAlignment(f: ImageFunction, gs: FeatureSet, x: Sample, options: FlowOptions = {}): FlowResult {
  const op = 'flowAlignment';
  if (typeof f !== 'function') throw new ArgumentError(op, 'f must be a function of one image');
  checkSample(op, x);
  const { features, probes } = nameColumns(op, gs, options.probes);
  const o = resolveFlowOptions(op, options, x.image.dtype);
  const [h, w] = x.image.shape;
  const engine = new FlowEngine(op, perImage(f), features, probes, o, h, w, x.image.dtype);
  return engine.run([{ id: x.id ?? 0, index: 0, image: x.image, mask: x.mask, ...(x.spacing === undefined ? {} : { spacing: x.spacing }) }])[0]!;
}

/** `flowAlignment` over a dataset, `batchSize` paths advancing together through one batched model call per stage. */
export function flowAlignmentBatch(model: BatchFunction, gs: FeatureSet, batch: SampleBatch, options: BatchFlowOptions = {}): FlowResult[] {
  const op = 'flowAlignmentBatch';
  if (typeof model !== 'function') throw new ArgumentError(op, 'model must be a function of an image batch');
  const n = checkBatch(op, batch);
  const { features, probes } = nameColumns(op, gs, options.probes);
  const o = resolveFlowOptions(op, options, batch.images.dtype);
  const size = options.batchSize ?? DEFAULTS.batchSize;
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(op, `batchSize must be a positive integer, got ${size}`);
  const [, h, w] = batch.images.shape;
  const engine = new FlowEngine(op, model, features, probes, o, h, w, batch.images.dtype);
  const out: FlowResult[] = [];
  for (let from = 0; from < n; from += size) {
    const samples: FlowSample[] = [];
    for (let i = from; i < Math.min(n, from + size); i++) {
      const spacing = batch.spacings?.[i];
      samples.push({ id: batch.ids?.[i] ?? i, index: i, image: row(batch.images, i), mask: row(batch.masks, i), ...(spacing === undefined ? {} : { spacing }) });
    }
    out.push(...engine.run(samples));
  }
  return out;
}
