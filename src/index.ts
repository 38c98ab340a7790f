/** fgflow: feature gradient flow, typed tensors and composable autodiff in TypeScript. */
export { Tensor, tensor, scalar, fromArray, zeros, ones, full, arange, isTensor, type NestedArray } from './tensor/tensor.ts';
export * as random from './tensor/random.ts';
export type { Key } from './tensor/random.ts';
export { FgflowError, ShapeError, DTypeError, ArgumentError } from './tensor/errors.ts';
export type * from './tensor/shape.ts';
export * from './ad/index.ts';
export { getBackend, setBackend, withBackend } from './backend/registry.ts';
export { FgflowError as BaseError } from './errors.ts';

/** Neural networks: layers, the paper's CNN, losses, metrics, optimisers, training, checkpoints. */
export * as nn from './nn/index.ts';
/** Interpretability: features, S / A / F, noise baseline, alignment reward, attributions. */
export * from './interp/index.ts';
/** Data: the synthetic phantom, loaders (DICOM, NIfTI, PNG, IDX, manifests), windowing, splits. */
export * as data from './data/index.ts';
/** The report: report.json schema and the self-contained report.html. */
export * as report from './report/index.ts';
/** The experiment: options, plan, resumable jobs over seeds, paired statistics, the report. */
export * as experiment from './experiment/index.ts';
