/**
 * The experiment's data: loaded and prepared once, fingerprinted (shards, resumed runs and
 * checkpoints must agree on it), and split per seed into stratified train / validation / test.
 *
 * The test split is drawn first (testFraction of all subjects); validation comes out of what is
 * left (validationFraction of it). Both draws are stratified, so every seed's splits have the same
 * sizes and class counts and only their members change.
 */
import * as E from 'fp-ts/lib/Either.js';
import { createHash } from 'node:crypto';
import { stratifiedSplit } from '../data/index.ts';
import { gatherBatch, type Dataset } from '../nn/index.ts';
import { ExperimentError } from './errors.ts';
import type { ExperimentOptions } from './options.ts';
import { loadDataset, prepare, type PreparedData } from './prepare.ts';

export interface ExperimentData {
  readonly prepared: PreparedData;
  /** sha256 of the model inputs, labels and ids (hex, first 16 bytes). */
  readonly fingerprint: string;
}

export type DataOptions = Pick<ExperimentOptions, 'data' | 'subjects' | 'positives' | 'dataSeed' | 'size' | 'crop' | 'phantomWeights' | 'nonFinite' | 'maskThreshold'>;

/** The phantom's native side: with a crop it is drawn at 128² and cropped around the tumour. */
const PHANTOM_SIDE = 128;

export function loadExperimentData(o: DataOptions): ExperimentData {
  const phantom = {
    n: o.subjects,
    size: o.crop !== undefined ? Math.max(PHANTOM_SIDE, o.crop) : o.size,
    seed: o.dataSeed,
    ...(o.positives !== undefined ? { positives: o.positives } : {}),
    ...(o.phantomWeights ? { rule: { weights: o.phantomWeights } } : {}),
  };
  const manifest = { ...(o.nonFinite === 'clip' ? { nonFinite: 'clip' as const } : {}), ...(o.maskThreshold !== undefined ? { maskThreshold: o.maskThreshold } : {}) };
  const ds = loadDataset({ data: o.data, phantom, manifest });
  if (E.isLeft(ds)) throw ds.left;
  const prepared = prepare(ds.right, { size: o.size, ...(o.crop !== undefined ? { crop: o.crop } : {}), hounsfield: true });
  if (E.isLeft(prepared)) throw prepared.left;
  return { prepared: prepared.right, fingerprint: fingerprintOf(prepared.right) };
}

export function fingerprintOf(p: PreparedData): string {
  const h = createHash('sha256');
  h.update(new Uint8Array(p.x.data.buffer, p.x.data.byteOffset, p.x.data.byteLength));
  h.update(Uint8Array.from(p.labels));
  h.update(p.ids.join('\n'));
  return h.digest('hex').slice(0, 32);
}

export interface SeedSplit {
  readonly seed: number;
  /** Row indices into the prepared data, ascending. */
  readonly train: readonly number[];
  readonly validation: readonly number[];
  readonly test: readonly number[];
}

/** A seed's split seeds: distinct streams for the test draw and the validation draw. */
function splitSeeds(seed: number): { test: number; validation: number } {
  return { test: (seed * 2654435761 + 0x7e57) >>> 0, validation: (seed * 2246822519 + 0x0a11d) >>> 0 };
}

export function splitForSeed(labels: readonly number[], seed: number, o: Pick<ExperimentOptions, 'testFraction' | 'validationFraction'>): SeedSplit {
  const seeds = splitSeeds(seed);
  const outer = stratifiedSplit(labels, { testFraction: o.testFraction, seed: seeds.test });
  if (E.isLeft(outer)) throw new ExperimentError('plan', `cannot split the data for seed ${seed}: ${outer.left.message}`);
  const rest = outer.right.train;
  const inner = stratifiedSplit(rest.map((i) => labels[i]!), { testFraction: o.validationFraction, seed: seeds.validation });
  if (E.isLeft(inner)) throw new ExperimentError('plan', `cannot hold out a validation split for seed ${seed}: ${inner.left.message}`);
  return {
    seed,
    train: inner.right.train.map((j) => rest[j]!),
    validation: inner.right.test.map((j) => rest[j]!),
    test: outer.right.test,
  };
}

/** Rows `index` of the prepared inputs with their labels. */
export function subset(p: PreparedData, index: readonly number[]): Dataset {
  return { x: gatherBatch({ x: p.x, y: p.labels }, index).x, y: index.map((i) => p.labels[i]!) };
}
