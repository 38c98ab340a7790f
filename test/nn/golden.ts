/**
 * A tiny version of the default experiment, computed through the nn and interp APIs only (not
 * src/cli): a small paper CNN trained on a small phantom with Adam, with and without the
 * alignment reward, then S and A of a few held-out images. golden.test.ts pins what it returns,
 * so refactors of the primitive table, the optimisers, the train loop and the CNN must keep every
 * number to the bit. `npx tsx test/nn/golden.ts` prints the current values.
 */
import { crc32 } from 'node:zlib';
import { alignmentBatch, alignmentLoss, alignmentReward, brightness, extent, imageChannelModel, logAspectRatio, treeLeaves, Tensor, data } from '../../src/index.ts';
import type { SampleBatch } from '../../src/index.ts';
import * as nn from '../../src/nn/index.ts';

const SIZE = 32;
const SUBJECTS = 24;
const TRAIN = 16;
const MEASURED = 4;
const FEATURES = { brightness, extent, logAspectRatio };

export type RunKind = 'baseline' | 'pointwise' | 'span';

export interface GoldenRun {
  /** Per epoch: the mean objective and the scores on the training and held-out sets. */
  readonly history: readonly { readonly trainLoss: number; readonly train?: nn.SplitMetrics; readonly heldOut?: nn.SplitMetrics }[];
  /** CRC-32 of the bytes of the final params' leaves, and of the optimiser state's, in pytree order. */
  readonly paramsCrc: number;
  readonly optStateCrc: number;
  /** S per feature, A and the logit of the first MEASURED held-out images. */
  readonly S: readonly (readonly (number | null)[])[];
  readonly A: readonly (number | null)[];
  readonly values: readonly (number | null)[];
}

/** [N, 2, S, S] inputs: the soft-tissue-windowed CT and the mask of each phantom subject. */
function phantomInputs(seed: number): { x: Tensor; labels: number[] } {
  const ds = data.phantom({ n: SUBJECTS, size: SIZE, seed, positives: 8 });
  const plane = SIZE * SIZE;
  const buf = new Float32Array(SUBJECTS * 2 * plane);
  ds.samples.forEach((s, i) => {
    buf.set(data.windowHU(s.image).data, 2 * i * plane);
    buf.set(s.mask.data, (2 * i + 1) * plane);
  });
  return { x: Tensor.fromBuffer([SUBJECTS, 2, SIZE, SIZE], 'f32', buf), labels: ds.samples.map((s) => s.label) };
}

function rows(x: Tensor, from: number, to: number): Tensor {
  return nn.gatherBatch({ x, y: new Array<number>(x.shape[0]!).fill(0) }, Array.from({ length: to - from }, (_, i) => from + i)).x;
}

function channel(x: Tensor, c: number): Tensor {
  const [n, ch, h, w] = x.shape as unknown as [number, number, number, number];
  const plane = h * w;
  const buf = new Float32Array(n * plane);
  for (let i = 0; i < n; i++) buf.set((x.data as Float32Array).subarray((i * ch + c) * plane, (i * ch + c + 1) * plane), i * plane);
  return Tensor.fromBuffer([n, h, w], 'f32', buf);
}

function crcOf(leaves: readonly Tensor[]): number {
  return leaves.reduce((c, l) => crc32(new Uint8Array(l.data.buffer, l.data.byteOffset, l.data.byteLength), c), 0);
}

export async function goldenRun(seed: number, kind: RunKind): Promise<GoldenRun> {
  const { x, labels } = phantomInputs(seed);
  const trainSet: nn.Dataset = { x: rows(x, 0, TRAIN), y: labels.slice(0, TRAIN) };
  const heldOut: nn.Dataset = { x: rows(x, TRAIN, SUBJECTS), y: labels.slice(TRAIN) };
  const model = nn.paperCnn({ inputSize: SIZE, channels: [4, 4, 4], hidden: [8] });
  const posWeight = nn.balancedPosWeight(trainSet.y);
  const loss =
    kind === 'baseline'
      ? nn.bceLoss(model, { posWeight })
      : alignmentLoss<nn.CnnParams, nn.Batch, unknown>(model, alignmentReward({ features: FEATURES, lambda: 0.1, kind }), (logits, batch) =>
          nn.bceWithLogits(logits, batch.y, { posWeight }),
        );
  const result = await nn.train({ model, loss, data: trainSet, validation: heldOut, epochs: 2, batchSize: 4, optimizer: nn.adam({ lr: 0.01 }), seed });
  const measuredX = rows(heldOut.x, 0, MEASURED);
  const batch: SampleBatch = { images: channel(measuredX, 0) as SampleBatch['images'], masks: channel(measuredX, 1) as SampleBatch['masks'] };
  const measures = alignmentBatch(imageChannelModel((input) => model.apply(result.params, input as never), measuredX, 0), FEATURES, batch);
  return {
    history: result.history.map((h) => ({ trainLoss: h.trainLoss, train: h.train, heldOut: h.validation })),
    paramsCrc: crcOf(treeLeaves(result.params)),
    optStateCrc: crcOf(treeLeaves(result.state.optState)),
    S: measures.map((m) => m.S),
    A: measures.map((m) => m.A),
    values: measures.map((m) => m.value),
  };
}

export const GOLDEN_SEEDS = [0, 1] as const;
export const GOLDEN_KINDS: readonly RunKind[] = ['baseline', 'pointwise', 'span'];

if (import.meta.url === `file://${process.argv[1]}`) {
  const out: Record<string, GoldenRun> = {};
  for (const seed of GOLDEN_SEEDS) for (const kind of GOLDEN_KINDS) out[`${kind}/${seed}`] = await goldenRun(seed, kind);
  console.log(JSON.stringify(out, null, 1));
}
