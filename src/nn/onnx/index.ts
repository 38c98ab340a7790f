/** ONNX import: a model trained elsewhere as an fgflow model (apply + params pytree). */
export { fromOnnx, type OnnxModel, type OnnxParams, type OnnxImportOptions } from './model.ts';
export { decodeOnnx, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo, type OnnxAttribute } from './decode.ts';
export { OnnxError, type OnnxErrorCode } from './errors.ts';
export { SUPPORTED_OPS } from './ops/index.ts';
export { binaryLogit, type BinaryLogitModel } from './logit.ts';
