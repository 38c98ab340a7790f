/** Errors of the ONNX import: each names the model (and the node, where there is one). */
import { FgflowError } from '../../tensor/errors.ts';

export type OnnxErrorCode = 'onnx:unreadable' | 'onnx:unsupported-op' | 'onnx:unsupported' | 'onnx:bad-graph' | 'onnx:bad-input';

export class OnnxError extends FgflowError {
  declare readonly code: OnnxErrorCode;
  constructor(code: OnnxErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
