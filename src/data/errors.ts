/**
 * Typed errors of the data layer. Every loader reports failure as a
 * `DataError` whose message names the file (when there is one) and what is
 * wrong with it; `code` is a stable machine-readable tag.
 */
import * as E from 'fp-ts/lib/Either.js';
import { FgflowError } from '../errors.ts';

export type DataErrorCode =
  | 'missing-file'
  | 'unreadable'
  | 'truncated'
  | 'unsupported-transfer-syntax'
  | 'unsupported-format'
  | 'size-mismatch'
  | 'bad-label'
  | 'single-class'
  | 'empty-dataset'
  | 'bad-manifest'
  | 'bad-mask'
  | 'non-finite'
  | 'duplicate'
  | 'bad-option'
  | 'missing-dependency'
  | 'bad-series'
  | 'bad-contour'
  | 'missing-roi'
  | 'write-failed';

export class DataError extends FgflowError {
  declare readonly code: DataErrorCode;
  readonly file?: string;
  /** Further problems found in the same validation pass (e.g. other manifest rows). */
  readonly related?: readonly DataError[];

  constructor(
    code: DataErrorCode,
    message: string,
    options?: { file?: string; cause?: unknown; related?: readonly DataError[] },
  ) {
    const file = options?.file;
    super(code, file !== undefined && !message.includes(file) ? `${file}: ${message}` : message);
    if (file !== undefined) this.file = file;
    if (options?.related !== undefined && options.related.length > 0) this.related = options.related;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

export const isDataError = (e: unknown): e is DataError => e instanceof DataError;

/** Left with a new DataError. */
export const fail = <T = never>(
  code: DataErrorCode,
  message: string,
  file?: string,
  cause?: unknown,
): E.Either<DataError, T> => E.left(new DataError(code, message, { file, cause }));

/** Unwrap an Either, throwing its DataError. */
export const orThrow = <T>(r: E.Either<DataError, T>): T => {
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

/** Text of an unknown thrown value (libraries sometimes throw strings). */
export const describeThrown = (e: unknown): string => {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  // dicom-parser wraps errors as { exception, dataSet }
  if (typeof e === 'object' && e !== null && 'exception' in e) return describeThrown((e as { exception: unknown }).exception);
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
};

/**
 * Safety net for decoders: run `body`; any exception that escapes it (a
 * library throwing on malformed input) becomes a DataError with `code`
 * (default 'unreadable', 'truncated' when the message says the data ended).
 */
export const guard = <T>(
  where: string,
  file: string | undefined,
  body: () => E.Either<DataError, T>,
): E.Either<DataError, T> => {
  try {
    return body();
  } catch (e) {
    if (e instanceof DataError) return E.left(e);
    const msg = describeThrown(e);
    const code: DataErrorCode = /past (the )?end|overrun|out of (range|bounds)|truncat|unexpected end|end of/i.test(msg)
      ? 'truncated'
      : 'unreadable';
    return fail(code, `${where}: cannot decode (${msg})`, file, e);
  }
};
