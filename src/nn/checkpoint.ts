/**
 * Checkpoints: one file holding a training state.
 *
 *   bytes 0..7    magic "FGFLOWCK"
 *   bytes 8..11   header length H (uint32 LE)
 *   bytes 12..15  CRC-32 of the header bytes (uint32 LE)
 *   bytes 16..    header: UTF-8 JSON (format version, model config, optimiser config and state
 *                 layout, position in the run, RNG key, metrics, and a manifest of tensor leaves:
 *                 path, shape, dtype, byte offset and length within the data section, and the
 *                 data section's CRC-32)
 *   then, from the next multiple of 8, the data: each leaf's values, little-endian, 8-byte aligned.
 *
 * The preamble never changes; the header's `version` says how to read the rest. Version 2 added
 * the best epoch's params (restoreBest, tensors under `best.`) and renamed the per-epoch `test`
 * metrics to `validation`; version 1 files are upgraded on read.
 *
 * This file is the codec (bytes in, bytes out: a browser can read a checkpoint too);
 * checkpoint-file.ts writes and reads the files, atomically.
 */
import CRC32 from 'crc-32';
import { flatten as treeFlatten, unflatten, type Pytree } from '../ad/pytree.ts';
import { isKey, key as makeKey, type Key } from '../tensor/random.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import { formatShape, sameShape, shapeSize, type DType } from '../tensor/shape.ts';
import { CheckpointError } from './errors.ts';
import type { Model } from './layers.ts';
import type { Optimizer, OptimizerConfig, OptState } from './optim.ts';
import type { EpochMetrics, TrainState } from './train.ts';

export const CHECKPOINT_MAGIC = 'FGFLOWCK';
export const CHECKPOINT_VERSION = 2;
const PREAMBLE = 16;

export interface CheckpointData<P extends Pytree = Pytree> {
  /** The model's configuration (JSON), e.g. paperCnn(...).config. */
  readonly model: unknown;
  readonly optimizer: OptimizerConfig;
  readonly state: TrainState<P>;
  /** Anything else the caller wants kept with the weights (JSON), e.g. the data split's seed. */
  readonly meta?: unknown;
}

export interface TensorEntry {
  readonly path: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly offset: number;
  readonly byteLength: number;
}

export interface CheckpointHeader {
  readonly format: 'fgflow-checkpoint';
  readonly version: number;
  readonly model: unknown;
  readonly optimizer: { readonly config: OptimizerConfig; readonly slots: readonly string[] };
  readonly train: Omit<TrainState, 'params' | 'optState' | 'key' | 'history' | 'bestEpoch'> & { readonly bestEpoch: { readonly value: number; readonly epoch: number } | null };
  readonly key: readonly [number, number];
  readonly metrics: readonly EpochMetrics[];
  readonly meta: unknown;
  readonly tensors: readonly TensorEntry[];
  readonly dataBytes: number;
  readonly dataCrc32: number;
}

// ------------------------------------------------------------------ leaf paths

/** Each leaf's dotted path, in the order pytree flatten visits leaves (record keys sorted). */
function leafPaths(tree: Pytree, prefix: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node instanceof Tensor) out.push(path);
    else if (Array.isArray(node)) node.forEach((c, i) => walk(c, `${path}.${i}`));
    else for (const k of Object.keys(node as object).sort()) walk((node as Record<string, unknown>)[k], `${path}.${k}`);
  };
  walk(tree, prefix);
  return out;
}

function stateTree<P extends Pytree>(params: P, opt: OptState<P>, best: P | null): Pytree {
  return { params, opt: { count: opt.count, slots: opt.slots }, ...(best ? { best } : {}) } as unknown as Pytree;
}

const PREFIXES = ['params.', 'opt.', 'best.'] as const;

const bytesPer = (d: DType) => (d === 'f64' ? 8 : 4);
const align8 = (n: number) => Math.ceil(n / 8) * 8;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** CRC-32 (zlib's), continuing from `seed`, as an unsigned 32-bit integer. */
const crc32 = (bytes: Uint8Array, seed = 0): number => CRC32.buf(bytes, seed) >>> 0;

function leafBytes(t: Tensor): Uint8Array {
  const d = t.data;
  if (littleEndian) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) t.dtype === 'f64' ? view.setFloat64(i * 8, d[i]!, true) : view.setFloat32(i * 4, d[i]!, true);
  return out;
}

function leafFromBytes(bytes: Uint8Array, entry: TensorEntry): Tensor {
  const n = shapeSize(entry.shape);
  const out = allocate(entry.dtype, n);
  if (littleEndian) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = entry.dtype === 'f64' ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  }
  return Tensor.fromBuffer([...entry.shape], entry.dtype, out);
}

// ------------------------------------------------------------------ encode

/** The file's bytes as a list of chunks (leaf buffers are views, not copies). */
export function encodeCheckpoint<P extends Pytree>(data: CheckpointData<P>): Uint8Array[] {
  const { state } = data;
  const tree = stateTree(state.params, state.optState, state.bestEpoch?.params ?? null);
  const { leaves } = treeFlatten(tree, 'saveCheckpoint');
  const paths = leafPaths(tree, '').map((p) => p.slice(1));
  const tensors: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let crc = 0;
  const zeros = new Uint8Array(8);
  leaves.forEach((leaf, i) => {
    const bytes = leafBytes(leaf);
    tensors.push({ path: paths[i]!, shape: [...leaf.shape], dtype: leaf.dtype, offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    crc = crc32(bytes, crc);
    offset += bytes.byteLength;
    const pad = align8(offset) - offset;
    if (pad) {
      const p = zeros.subarray(0, pad);
      chunks.push(p);
      crc = crc32(p, crc);
      offset += pad;
    }
  });
  const { params: _p, optState: _o, key, history, bestEpoch, ...rest } = state;
  const train: CheckpointHeader['train'] = { ...rest, bestEpoch: bestEpoch ? { value: bestEpoch.value, epoch: bestEpoch.epoch } : null };
  const header: CheckpointHeader = {
    format: 'fgflow-checkpoint',
    version: CHECKPOINT_VERSION,
    model: data.model ?? null,
    optimizer: { config: data.optimizer, slots: Object.keys(state.optState.slots).sort() },
    train,
    key: [key[0], key[1]],
    metrics: history,
    meta: data.meta ?? null,
    tensors,
    dataBytes: offset,
    dataCrc32: crc,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const preamble = new Uint8Array(align8(PREAMBLE + json.byteLength));
  preamble.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  const view = new DataView(preamble.buffer);
  view.setUint32(8, json.byteLength, true);
  view.setUint32(12, crc32(json), true);
  preamble.set(json, PREAMBLE);
  return [preamble, ...chunks];
}

// ------------------------------------------------------------------ decode

function fail(code: CheckpointError['code'], path: string, message: string): never {
  throw new CheckpointError(code, path, message);
}

/** Reads and checks the preamble and header (magic, CRC, version, structure); no tensors are decoded. */
export function decodeHeader(bytes: Uint8Array, path = '(buffer)'): { header: CheckpointHeader; dataOffset: number } {
  if (bytes.byteLength < PREAMBLE) fail('truncated', path, `file has ${bytes.byteLength} bytes, fewer than the ${PREAMBLE}-byte preamble`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== CHECKPOINT_MAGIC) fail('corrupt', path, `not an fgflow checkpoint (magic ${JSON.stringify(magic)}, expected ${JSON.stringify(CHECKPOINT_MAGIC)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(8, true);
  if (PREAMBLE + len > bytes.byteLength) fail('truncated', path, `header needs ${len} bytes but the file ends after ${bytes.byteLength - PREAMBLE}`);
  const json = bytes.subarray(PREAMBLE, PREAMBLE + len);
  if (crc32(json) !== view.getUint32(12, true)) fail('corrupt', path, 'header checksum does not match (the file was altered or damaged)');
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    return fail('corrupt', path, `header is not valid JSON: ${(e as Error).message}`);
  }
  if (h === null || typeof h !== 'object' || h.format !== 'fgflow-checkpoint') fail('corrupt', path, 'header is not an fgflow checkpoint header');
  if (h.version !== 1 && h.version !== CHECKPOINT_VERSION) fail('version', path, `format version ${JSON.stringify(h.version)}; this build reads versions 1 to ${CHECKPOINT_VERSION}`);
  if (h.version === 1) h = upgradeFromVersion1(h);
  const problems: string[] = [];
  const opt = h.optimizer as CheckpointHeader['optimizer'] | undefined;
  if (!opt || typeof opt !== 'object' || !opt.config || !Array.isArray(opt.slots) || !opt.slots.every((s) => typeof s === 'string')) problems.push('optimizer');
  const tr = h.train as Record<string, unknown> | undefined;
  if (!tr || typeof tr !== 'object' || !['epoch', 'batch', 'step', 'lossSum', 'lossCount', 'badEpochs'].every((k) => typeof tr[k] === 'number') || !validBestEpoch(tr.bestEpoch)) problems.push('train');
  if (!isKey(h.key)) problems.push('key');
  if (!Array.isArray(h.metrics)) problems.push('metrics');
  if (typeof h.dataBytes !== 'number' || typeof h.dataCrc32 !== 'number') problems.push('dataBytes/dataCrc32');
  if (!Array.isArray(h.tensors)) problems.push('tensors');
  else
    (h.tensors as TensorEntry[]).forEach((t, i) => {
      const ok =
        t && typeof t.path === 'string' && Array.isArray(t.shape) && t.shape.every((d) => Number.isInteger(d) && d >= 0) &&
        (t.dtype === 'f32' || t.dtype === 'f64') && Number.isInteger(t.offset) && t.offset >= 0 && t.offset % 8 === 0 &&
        t.byteLength === shapeSize(t.shape) * bytesPer(t.dtype) && t.offset + t.byteLength <= (h.dataBytes as number);
      if (!ok) problems.push(`tensors[${i}]`);
    });
  if (problems.length) fail('corrupt', path, `header fields are malformed: ${problems.join(', ')}`);
  return { header: h as unknown as CheckpointHeader, dataOffset: align8(PREAMBLE + len) };
}

/** Version 1 → 2: per-epoch `test` metrics are `validation` now, and there is no best epoch. */
function upgradeFromVersion1(h: Record<string, unknown>): Record<string, unknown> {
  const metrics = Array.isArray(h.metrics)
    ? h.metrics.map((m: Record<string, unknown>) => {
        if (m === null || typeof m !== 'object' || !('test' in m)) return m;
        const { test, ...rest } = m;
        return { ...rest, validation: test };
      })
    : h.metrics;
  const train = h.train !== null && typeof h.train === 'object' ? { ...h.train, bestEpoch: null } : h.train;
  return { ...h, version: CHECKPOINT_VERSION, metrics, train };
}

function validBestEpoch(b: unknown): boolean {
  if (b === null) return true;
  const e = b as { value?: unknown; epoch?: unknown } | undefined;
  return !!e && typeof e === 'object' && typeof e.value === 'number' && Number.isInteger(e.epoch);
}

export interface LoadExpectation<P extends Pytree> {
  /** The model the weights must fit: its init() gives the expected structure, shapes and dtypes; its config (if any) must equal the stored one. */
  readonly model: Model<P> & { readonly config?: unknown };
  /** When given, its state layout (slot names) must match the stored one. */
  readonly optimizer?: Optimizer;
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
}

/** Decodes a whole checkpoint and checks it against the model's parameter structure. */
export function decodeCheckpoint<P extends Pytree>(bytes: Uint8Array, expect: LoadExpectation<P>, path = '(buffer)'): CheckpointData<P> {
  const { header, dataOffset } = decodeHeader(bytes, path);
  const end = dataOffset + header.dataBytes;
  if (bytes.byteLength < end) fail('truncated', path, `data section needs ${header.dataBytes} bytes but only ${Math.max(0, bytes.byteLength - dataOffset)} are present`);
  if (bytes.byteLength > end) fail('corrupt', path, `${bytes.byteLength - end} unexpected bytes after the data section`);
  const data = bytes.subarray(dataOffset, end);
  if (crc32(data) !== header.dataCrc32) fail('corrupt', path, 'weights checksum does not match (the file was altered or damaged)');

  const modelConfig = expect.model.config;
  if (modelConfig !== undefined && canonical(modelConfig) !== canonical(header.model)) {
    fail('shape-mismatch', path, `model config ${canonical(header.model)} differs from the model's ${canonical(modelConfig)}`);
  }
  const slots = [...header.optimizer.slots];
  if (expect.optimizer) {
    const want = [...expect.optimizer.slots].sort();
    if (want.join(',') !== slots.join(',') || expect.optimizer.config.name !== header.optimizer.config.name) {
      fail('shape-mismatch', path, `optimizer state is ${header.optimizer.config.name} [${slots.join(', ')}], the optimizer given is ${expect.optimizer.config.name} [${want.join(', ')}]`);
    }
  }
  const template = expect.model.init(makeKey(0));
  const count = Tensor.fromBuffer([] as [], 'f64', new Float64Array(1));
  const tree = stateTree(template, { count, slots: Object.fromEntries(slots.map((s) => [s, template])) as OptState<P>['slots'] }, header.train.bestEpoch ? template : null);
  const { def, leaves } = treeFlatten(tree, 'loadCheckpoint');
  const paths = leafPaths(tree, '').map((p) => p.slice(1));
  const byPath = new Map(header.tensors.map((t) => [t.path, t]));
  // Optimiser slots and the best epoch's params mirror the params, so their problems are the params' own: report those first.
  for (const prefix of PREFIXES) {
    const mine = new Set(paths.filter((p) => p.startsWith(prefix)));
    const extra = header.tensors.filter((t) => t.path.startsWith(prefix) && !mine.has(t.path)).map((t) => t.path);
    const missing = [...mine].filter((p) => !byPath.has(p));
    const wrong: string[] = [];
    paths.forEach((p, i) => {
      const e = byPath.get(p);
      const want = leaves[i]!;
      if (mine.has(p) && e && (!sameShape(e.shape, want.shape) || e.dtype !== want.dtype)) wrong.push(`${p} is ${formatShape(e.shape)} ${e.dtype}, the model needs ${formatShape(want.shape)} ${want.dtype}`);
    });
    const parts = [...(missing.length ? [`missing ${missing.join(', ')}`] : []), ...(extra.length ? [`not in the model: ${extra.join(', ')}`] : []), ...wrong];
    if (parts.length) fail('shape-mismatch', path, `weights do not fit the model: ${parts.join('; ')}`);
  }
  const unknown = header.tensors.filter((t) => !PREFIXES.some((prefix) => t.path.startsWith(prefix)));
  if (unknown.length) fail('shape-mismatch', path, `unexpected tensors ${unknown.map((t) => t.path).join(', ')}`);
  const loaded = paths.map((p) => {
    const e = byPath.get(p)!;
    return leafFromBytes(data.subarray(e.offset, e.offset + e.byteLength), e);
  });
  const restored = unflatten<{ params: P; opt: OptState<P>; best?: P }>(def, loaded);
  const b = header.train.bestEpoch;
  const state: TrainState<P> = {
    ...header.train,
    bestEpoch: b && restored.best ? { value: b.value, epoch: b.epoch, params: restored.best } : null,
    params: restored.params,
    optState: { count: restored.opt.count as Tensor<[], 'f64'>, slots: restored.opt.slots },
    key: [header.key[0], header.key[1]] as unknown as Key,
    history: header.metrics,
  };
  return { model: header.model, optimizer: header.optimizer.config, state, meta: header.meta };
}
