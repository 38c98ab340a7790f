/** Errors raised by src/nn; each is a FgflowError with a stable `code`. */
import { FgflowError } from '../tensor/errors.ts';

/** A configuration (model, optimiser, training) that fails validation; lists every problem at once. */
export class ConfigError extends FgflowError {
  constructor(
    readonly what: string,
    readonly problems: readonly string[],
  ) {
    super('config', `${what}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`);
  }
}

/** A label other than 0 or 1 where a binary label is needed; names the first offending index. */
export class LabelError extends FgflowError {
  constructor(
    readonly op: string,
    readonly index: number,
    readonly value: unknown,
  ) {
    super('label', `${op}: label at index ${index} is ${String(value)}; binary labels must be 0 or 1`);
  }
}

export type DataErrorCode = 'empty-data' | 'empty-batch' | 'length-mismatch' | 'bad-value' | 'non-finite';

/** Data that cannot be trained or scored on: empty sets or batches, lengths that disagree, bad or non-finite values (also a loss that diverges). */
export class DataError extends FgflowError {
  constructor(
    override readonly code: DataErrorCode,
    readonly op: string,
    message: string,
  ) {
    super(code, `${op}: ${message}`);
  }
}

export type CheckpointErrorCode = 'truncated' | 'corrupt' | 'version' | 'shape-mismatch' | 'io';

/** A checkpoint that cannot be written or read back; `code` says which way it failed, `path` where. */
export class CheckpointError extends FgflowError {
  constructor(
    override readonly code: CheckpointErrorCode,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, `checkpoint ${path}: ${message}`);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
