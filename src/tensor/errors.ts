import { FgflowError } from '../errors.ts';
import { formatShape } from './shape.ts';

export { FgflowError };

/** A shape that does not fit an operation: names the operation and the shapes involved. */
export class ShapeError extends FgflowError {
  constructor(
    readonly op: string,
    message: string,
    readonly shapes: readonly (readonly number[])[] = [],
  ) {
    super('shape', `${op}: ${message}${shapes.length ? ` (shapes ${shapes.map(formatShape).join(' and ')})` : ''}`);
  }
}

/** Operands of different dtypes, or a dtype an operation does not support. */
export class DTypeError extends FgflowError {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super('dtype', `${op}: ${message}`);
  }
}

/** Invalid non-shape arguments: an axis out of range, a bad option, a non-finite dimension. */
export class ArgumentError extends FgflowError {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super('argument', `${op}: ${message}`);
  }
}
