/** The op table: every ONNX op fgflow imports, by its op_type. */
import { CONV_POOL_OPS } from './conv-pool.ts';
import { ELEMENTWISE_OPS } from './elementwise.ts';
import { LAYOUT_OPS } from './layout.ts';
import { LINEAR_OPS } from './linear.ts';
import type { OpImplementation } from './values.ts';

export const OPS: Readonly<Record<string, OpImplementation>> = { ...CONV_POOL_OPS, ...ELEMENTWISE_OPS, ...LINEAR_OPS, ...LAYOUT_OPS };

/** The supported op types, sorted (error messages list them). */
export const SUPPORTED_OPS: readonly string[] = Object.keys(OPS).sort();

export { constantValue } from './layout.ts';
export { IntTensor, NodeContext, type OpImplementation, type Value } from './values.ts';
