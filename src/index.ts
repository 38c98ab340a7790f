/** fgflow: feature gradient flow, typed tensors and composable autodiff in TypeScript. */
export { Tensor, tensor, scalar, fromArray, zeros, ones, full, arange, isTensor, type NestedArray } from './tensor/tensor.ts';
export * as random from './tensor/random.ts';
export type { Key } from './tensor/random.ts';
export { FgflowError, ShapeError, DTypeError, ArgumentError } from './tensor/errors.ts';
export type * from './tensor/shape.ts';
export * from './ad/index.ts';
export { getBackend, setBackend, withBackend } from './backend/registry.ts';
