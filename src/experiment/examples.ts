/**
 * Example images for the report: for a few test images, the CT with its mask, ∇f, each ∇g_i, the
 * unexplained part ∇f⊥, and frames along the gradient-flow path.
 */
import { reshape } from '../ad/ops.ts';
import type { FlowPath } from '../interp/flow.ts';
import type { BatchFunction } from '../interp/types.ts';
import { gatherBatch, type Dataset, type Model } from '../nn/index.ts';
import type { Example, ReportImage } from '../report/schema.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { explainSample } from './explain-sample.ts';
import { channelOf, testImageModel, type MeasureOptions } from './measure.ts';

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const rounded = (t: Tensor): number[] => Array.from(t.data, (v) => Math.round(v * 1e6) / 1e6);

function image(title: string, t: Tensor, colormap: ReportImage['colormap'], extra: Partial<ReportImage> = {}): ReportImage {
  const [h, w] = t.shape.slice(-2) as [number, number];
  return { title, width: w, height: h, data: rounded(t), colormap, ...extra };
}

/** Test rows drawn in the report: alternate classes, positives first. */
export function exampleRows(labels: readonly number[], count: number): number[] {
  const pos = labels.flatMap((l, i) => (l === 1 ? [i] : []));
  const neg = labels.flatMap((l, i) => (l === 0 ? [i] : []));
  const out: number[] = [];
  for (let k = 0; out.length < count && (k < pos.length || k < neg.length); k++) {
    if (k < pos.length) out.push(pos[k]!);
    if (out.length < count && k < neg.length) out.push(neg[k]!);
  }
  return out;
}

export interface ExampleInput {
  readonly model: Model<any>;
  readonly params: unknown;
  readonly modelName: string;
  readonly seed: number;
  readonly test: Dataset;
  readonly ids: readonly string[];
  readonly logits: Float64Array;
  readonly count: number;
  readonly options: MeasureOptions;
}

function flowFrames(path: FlowPath, reached: boolean): Example['flow'] {
  const last = path.images.length - 1;
  const picks = [0, 0.25, 0.5, 0.75, 1].map((q) => Math.round(q * last)).filter((v, i, a) => a.indexOf(v) === i);
  return picks.map((k) => {
    const [h, w] = path.images[k]!.shape.slice(-2) as [number, number];
    const value = path.values[k];
    return { title: k === 0 ? 'start' : k === last ? (reached ? 'boundary' : 'end') : `step ${k}`, width: w, height: h, data: rounded(path.images[k]! as Tensor), t: path.arc[k]!, ...(value === null || value === undefined ? {} : { prob: 1 / (1 + Math.exp(-value)) }) };
  });
}

function oneExample(input: ExampleInput, f: BatchFunction, images: Tensor, masks: Tensor, row: number): Example {
  const o = input.options;
  const one = (t: Tensor) => gatherBatch({ x: t, y: [0] }, [row]).x;
  const img = one(images);
  const msk = one(masks);
  const [h, w] = img.shape.slice(1) as [number, number];
  const id = input.ids[row]!;
  const single: BatchFunction = (x) => f(x, [row]);
  const { gradF, featureGrads, alignment: al, flow: fl } = explainSample(single, img, msk, id, { features: o.features, integrator: o.integrator, flowSteps: o.flowSteps, ...(o.spacing ? { spacing: o.spacing } : {}) });
  const gImages = o.features.map((name, i) => image(`∇ ${name}`, featureGrads[i]!, 'diverging', { caption: `S = ${(al.S[i] ?? 0).toFixed(3)}` }));
  return {
    id,
    label: input.test.y[row]! as 0 | 1,
    model: input.modelName,
    seed: input.seed,
    prob: 1 / (1 + Math.exp(-input.logits[row]!)),
    images: [
      image('CT with tumour mask', reshape(img as Tensor<[number, number, number]>, [h, w]), 'gray', { mask: Array.from(msk.data) }),
      image('∇f (model)', gradF, 'diverging'),
      ...gImages,
      ...(al.gradPerp ? [image('∇f⊥ (unexplained)', al.gradPerp, 'diverging', { caption: `${((al.unexplained ?? 0) * 100).toFixed(1)}% of ‖∇f‖²` })] : []),
    ],
    ...(fl.path ? { flow: flowFrames(fl.path, fl.reached) } : {}),
    measures: {
      spanAlignment: clamp01(al.A ?? 0),
      unexplained: clamp01(al.unexplained ?? 0),
      S: Object.fromEntries(o.features.map((name, i) => [name, clamp01(al.S[i] ?? 0)])),
      ...(fl.F.every((v) => v !== null) ? { F: Object.fromEntries(o.features.map((name, i) => [name, clamp01(fl.F[i]!)])) } : {}),
    },
    path: { reached: fl.reached, length: fl.length, steps: fl.steps },
  };
}

export function drawExamples(input: ExampleInput): Example[] {
  const f = testImageModel(input.model, input.params, input.test);
  const images = channelOf(input.test.x, 0);
  const masks = channelOf(input.test.x, 1);
  return exampleRows(input.test.y, input.count).map((row) => oneExample(input, f, images, masks, row));
}
