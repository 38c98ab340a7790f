/**
 * The alignment reward (PAPER.md, "Training with the alignment reward"): a loss term
 * −Σ_i λ_i mean_batch S_i (or −λ mean_batch A) whose ∇_x f is taken by `grad` inside the loss,
 * so that differentiating the loss with respect to the parameters is second-order AD.
 * The feature gradients do not depend on θ: they are concrete constants, computed once per
 * sample and cached, and θ's gradient flows only through ∇_x f.
 */
import { add, div, greater, matmul, mul, neg, reshape, slice, square, sum, where } from '../ad/ops.ts';
import { vjp } from '../ad/transforms.ts';
import { ArgumentError, ShapeError } from '../tensor/errors.ts';
import { allocate, Tensor } from '../tensor/tensor.ts';
import type { DType } from '../tensor/shape.ts';
import { callUserFunction, type Issue } from './errors.ts';
import { featureGradient, type GradientOptions } from './gradients.ts';
import { checkTolerance, defaultRankTolerance, orthonormalBasis } from './linalg.ts';
import { toImage } from './rows.ts';
import { nameFeatures, type FeatureSet, type NamedFeature } from './types.ts';
import { DEFAULTS } from './defaults.ts';

export type RewardKind = 'pointwise' | 'span';

export interface RewardOptions extends GradientOptions {
  readonly features: FeatureSet;
  /** λ: one weight for every feature, or one per feature name (missing names weigh 0). 'span' takes one number. */
  readonly lambda: number | Readonly<Record<string, number>>;
  /** [paper] 'pointwise' rewards Σ λ_i S_i (default); [ours] 'span' rewards λ·A. */
  readonly kind?: RewardKind;
  /** [ours] The input channel holding the image the features read (default 0: the windowed CT). */
  readonly imageChannel?: number;
  /** [ours] The input channel holding the mask, when neither the batch nor `masks` gives one (default 1: inputs are [CT, mask]). */
  readonly maskChannel?: number;
  /**
   * The whole dataset's masks [N, H, W], looked up by the batch's `indices` (the rows a training
   * loop's batch carries): for models whose input has no mask channel.
   */
  readonly masks?: Tensor;
  /** [ours] Rank tolerance of the span basis (default √ε of the dtype). */
  readonly rankTolerance?: number;
}

/** A training batch: inputs [N, C, H, W]; optional masks [N, H, W]; optional dataset rows (enable the per-row cache). */
export interface RewardBatch {
  readonly x: Tensor;
  readonly masks?: Tensor;
  readonly indices?: readonly number[];
}

export type ApplyFn<P> = (params: P, x: Tensor) => Tensor;

/** A loss term: −Σ λ_i mean S_i over the batch, a scalar differentiable with respect to params. */
export interface RewardTerm {
  <P>(apply: ApplyFn<P>, params: P, batch: RewardBatch): Tensor;
  /** The reward together with the model's outputs on the batch, from the same forward pass (so a data loss can reuse them). */
  withOutputs<P>(apply: ApplyFn<P>, params: P, batch: RewardBatch): { readonly value: Tensor; readonly outputs: Tensor };
  /** Feature names, in the order of `lambdas`. */
  readonly names: readonly string[];
  readonly lambdas: readonly number[];
  readonly kind: RewardKind;
  /** The flags of the batch's samples: a feature undefined on a sample leaves that sample out of its mean. */
  issues(batch: RewardBatch): Issue[];
}

/** Per sample: each feature's unit gradient (null when undefined or zero) and its flags. */
interface Prepared {
  readonly image: Float64Array;
  readonly mask: Float64Array;
  /** The feature is defined on the sample (its gradient may still be zero, spanning nothing). */
  readonly defined: boolean[];
  readonly units: (Float64Array | null)[];
  readonly issues: Issue[];
}

function lambdas(op: string, features: readonly NamedFeature[], lambda: RewardOptions['lambda'], kind: RewardKind): number[] {
  if (typeof lambda === 'number') {
    if (!Number.isFinite(lambda)) throw new ArgumentError(op, `lambda must be finite, got ${lambda}`);
    return features.map(() => lambda);
  }
  if (kind === 'span') throw new ArgumentError(op, "the 'span' reward takes one lambda (a number), not one per feature");
  if (lambda === null || typeof lambda !== 'object') throw new ArgumentError(op, 'lambda must be a number or a record of numbers by feature name');
  const names = new Set(features.map((f) => f.name));
  for (const [k, v] of Object.entries(lambda)) {
    if (!names.has(k)) throw new ArgumentError(op, `lambda names ${k}, which is not a feature (have ${[...names].join(', ')})`);
    if (!Number.isFinite(v)) throw new ArgumentError(op, `lambda.${k} must be finite, got ${v}`);
  }
  return features.map((f) => lambda[f.name] ?? 0);
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) return false;
  return true;
}

/**
 * The alignment reward as a loss term `(apply, params, batch) → scalar`, to be added to BCE:
 * L = BCE − Σ λ_i mean_batch S_i. `apply(params, x)` must give [N] or [N, 1] outputs that are
 * independent per sample; ∇_x f comes from one inner `grad` of Σ f over the batch.
 * A sample where ∇_x f is zero contributes S = 0 with a zero derivative (no NaN); a sample
 * where a feature is undefined is left out of that feature's mean (see `issues`).
 */
export function alignmentReward(options: RewardOptions): RewardTerm {
  const op = 'alignmentReward';
  if (options === null || typeof options !== 'object') throw new ArgumentError(op, 'needs options { features, lambda }');
  const features = nameFeatures(op, options.features);
  if (features.length === 0) throw new ArgumentError(op, 'needs at least one feature');
  const kind = options.kind ?? DEFAULTS.rewardKind;
  if (kind !== 'pointwise' && kind !== 'span') throw new ArgumentError(op, `kind must be 'pointwise' or 'span', got ${String(kind)}`);
  const lam = lambdas(op, features, options.lambda, kind);
  const imageChannel = options.imageChannel ?? DEFAULTS.imageChannel;
  const maskChannel = options.maskChannel ?? DEFAULTS.maskChannel;
  const zeroTolerance = options.zeroTolerance ?? DEFAULTS.zeroTolerance;
  checkTolerance(op, 'zeroTolerance', zeroTolerance);
  if (options.rankTolerance !== undefined) checkTolerance(op, 'rankTolerance', options.rankTolerance, 1);
  // Features with λ = 0 add nothing to a pointwise reward: skip their gradients.
  const used = features.map((_, i) => kind === 'span' || lam[i] !== 0);
  const cache = new Map<number, Prepared>();

  const layout = (batch: RewardBatch) => {
    if (batch === null || typeof batch !== 'object' || !(batch.x instanceof Tensor)) throw new ArgumentError(op, 'the batch must be an object with x: Tensor [N, C, H, W]');
    const x = batch.x;
    if (x.shape.length !== 4) throw new ShapeError(op, 'x must be [N, C, H, W]', [x.shape]);
    const [n, c, h, w] = x.shape as unknown as [number, number, number, number];
    if (!Number.isInteger(imageChannel) || imageChannel < 0 || imageChannel >= c) throw new ArgumentError(op, `imageChannel ${imageChannel} is out of range for ${c} channels`);
    if (batch.indices !== undefined && batch.indices.length !== n) throw new ArgumentError(op, `${batch.indices.length} indices for ${n} samples`);
    let masks = batch.masks;
    if (masks === undefined && options.masks !== undefined) {
      const all = options.masks;
      if (!(all instanceof Tensor) || all.shape.length !== 3 || all.shape[1] !== h || all.shape[2] !== w) throw new ShapeError(op, `options.masks must be [N, ${h}, ${w}]`, [all?.shape ?? []]);
      if (batch.indices === undefined) throw new ArgumentError(op, 'options.masks needs the batch to carry indices (its dataset rows)');
      const plane = h * w;
      const buf = allocate(x.dtype, n * plane);
      batch.indices.forEach((r, i) => {
        if (!Number.isInteger(r) || r < 0 || r >= all.shape[0]!) throw new ArgumentError(op, `batch index ${r} is outside the ${all.shape[0]} masks`);
        buf.set(all.data.subarray(r * plane, (r + 1) * plane), i * plane);
      });
      masks = Tensor.fromBuffer([n, h, w], x.dtype, buf);
    }
    if (masks !== undefined) {
      if (!(masks instanceof Tensor) || masks.size !== n * h * w || masks.shape[0] !== n) throw new ShapeError(op, `masks must be [${n}, ${h}, ${w}]`, [masks?.shape ?? []]);
    } else if (!Number.isInteger(maskChannel) || maskChannel < 0 || maskChannel >= c || maskChannel === imageChannel) {
      throw new ArgumentError(op, `no masks in the batch or the options, and maskChannel ${maskChannel} is not another of the ${c} channels`);
    }
    return { x, n, c, h, w, masks };
  };

  const prepare = (batch: RewardBatch): Prepared[] => {
    const { x, n, c, h, w, masks } = layout(batch);
    const plane = h * w;
    const src = x.data;
    const out: Prepared[] = [];
    for (let s = 0; s < n; s++) {
      const img = src.subarray((s * c + imageChannel) * plane, (s * c + imageChannel + 1) * plane);
      const msk = masks ? masks.data.subarray(s * plane, (s + 1) * plane) : src.subarray((s * c + maskChannel) * plane, (s * c + maskChannel + 1) * plane);
      const row = batch.indices?.[s];
      const hit = row === undefined ? undefined : cache.get(row);
      if (hit && sameValues(hit.image, img) && sameValues(hit.mask, msk)) {
        out.push(hit);
        continue;
      }
      const image = toImage(img, h, w, x.dtype);
      const mask = toImage(msk, h, w, x.dtype);
      const id = row ?? s;
      const evaluated = features.map((g, i) => (used[i] ? featureGradient(op, g, image, mask, id, zeroTolerance) : null));
      const prepared: Prepared = {
        image: Float64Array.from(img),
        mask: Float64Array.from(msk),
        defined: evaluated.map((e) => e !== null && e.grad !== null),
        units: evaluated.map((e) => {
          if (!e || !e.direction) return null;
          const norm = Math.sqrt(e.normSq);
          return e.grad!.map((v) => v / norm);
        }),
        issues: evaluated.flatMap((e) => (e?.issue ? [e.issue] : [])),
      };
      if (row !== undefined) cache.set(row, prepared);
      out.push(prepared);
    }
    return out;
  };

  const constant = (dtype: DType, shape: readonly number[], fill: (buf: Float32Array | Float64Array) => void): Tensor => {
    const buf = allocate(dtype, shape.reduce((p, d) => p * d, 1));
    fill(buf);
    return Tensor.fromBuffer(shape, dtype, buf);
  };

  const withOutputs = <P>(apply: ApplyFn<P>, params: P, batch: RewardBatch): { value: Tensor; outputs: Tensor } => {
    if (typeof apply !== 'function') throw new ArgumentError(op, 'apply must be a function (params, x) → logits');
    const prepared = prepare(batch);
    const { x, n, c, h, w } = layout(batch);
    const plane = h * w;
    const dtype = x.dtype;
    // One forward pass serves both the model's outputs (for the data loss) and ∇ₓf: the pullback of
    // a ones cotangent is ∇ₓ Σ f, which holds every sample's input gradient.
    const call = { op, role: 'model', sampleIds: batch.indices ?? Array.from({ length: n }, (_, i) => i) } as const;
    const [outputs, pullback] = vjp((xx: Tensor) => {
      const out = callUserFunction(call, () => apply(params, xx));
      if (!(out instanceof Tensor) || out.size !== n || out.shape[0] !== n) throw new ShapeError(op, `apply must map ${n} samples to [${n}] or [${n}, 1]`, [out?.shape ?? []]);
      return out;
    }, x);
    const gx = pullback(constant(outputs.dtype, outputs.shape, (buf) => buf.fill(1)))[0] as Tensor;
    const value = rewardValue(prepared, gx, n, c, h, w, plane, dtype);
    return { value, outputs };
  };

  const rewardValue = (prepared: Prepared[], gx: Tensor, n: number, c: number, h: number, w: number, plane: number, dtype: DType): Tensor => {
    const gImage: Tensor = c === 1 ? reshape(gx, [n, plane]) : reshape(slice(gx, [0, imageChannel, 0, 0], [n, 1, h, w] as never), [n, plane]);
    const n2: Tensor = sum(square(gImage), [1]);
    const nonzero = greater(n2, 0);
    const safe = where(nonzero, n2, 1);
    const ratio = (num: Tensor) => where(nonzero, div(num, safe), 0);
    if (kind === 'pointwise') {
      let total: Tensor | null = null;
      features.forEach((_, i) => {
        if (!used[i]) return;
        const valid = prepared.map((p) => (p.units[i] ? 1 : 0));
        const count = valid.reduce<number>((s, v) => s + v, 0);
        if (count === 0) return;
        const u = constant(dtype, [n, plane], (buf) => prepared.forEach((p, s) => p.units[i] && buf.set(p.units[i]!, s * plane)));
        const weights = constant(dtype, [n], (buf) => valid.forEach((v, s) => (buf[s] = (v * lam[i]!) / count)));
        const S = ratio(square(sum(mul(gImage, u), [1])));
        const t = sum(mul(S, weights));
        total = total ? add(total, t) : t;
      });
      return total ? neg(total) : constant(dtype, [], () => undefined);
    }
    // Span: A = ‖Qᵀ∇f‖²/‖∇f‖² with Q an orthonormal basis of the sample's feature gradients,
    // over the samples where every feature is defined (else the span is).
    const rankTol = options.rankTolerance ?? defaultRankTolerance(dtype);
    const bases = prepared.map((p) => (p.defined.every(Boolean) ? orthonormalBasis(p.units.filter((u): u is Float64Array => u !== null), rankTol) : null));
    const k = Math.max(1, ...bases.map((b) => b?.length ?? 0));
    const count = bases.filter((b) => b !== null).length;
    if (count === 0) return constant(dtype, [], () => undefined);
    const q = constant(dtype, [n, k, plane], (buf) => bases.forEach((b, s) => b?.forEach((v, j) => buf.set(v, (s * k + j) * plane))));
    const weights = constant(dtype, [n], (buf) => bases.forEach((b, s) => (buf[s] = b ? lam[0]! / count : 0)));
    const proj = matmul(q, reshape(gImage, [n, plane, 1]) as never) as Tensor;
    const A = ratio(sum(square(proj), [1, 2]));
    return neg(sum(mul(A, weights)));
  };

  const term = <P>(apply: ApplyFn<P>, params: P, batch: RewardBatch): Tensor => withOutputs(apply, params, batch).value;

  return Object.assign(term, {
    withOutputs,
    names: features.map((f) => f.name),
    lambdas: lam,
    kind,
    issues: (batch: RewardBatch) => prepare(batch).flatMap((p) => p.issues),
  }) as RewardTerm;
}

/**
 * A training loss with the reward added: (params, batch, key) ↦ base(params, batch, key) + reward(model.apply, params, batch),
 * the shape of a `LossFn` for `train` in src/nn.
 */
export function withAlignmentReward<P, B extends RewardBatch, K>(
  model: { apply(params: P, x: Tensor): Tensor },
  reward: RewardTerm,
  base: (params: P, batch: B, key: K) => Tensor,
): (params: P, batch: B, key: K) => Tensor {
  return (params, batch, key) => add(base(params, batch, key), reward((p: P, x) => model.apply(p, x), params, batch));
}

/**
 * A training loss L = dataLoss(f(x), batch) + reward, where the data loss reads the model's outputs
 * from the reward's own forward pass: one forward instead of two, which is what keeps a rewarded
 * step near twice a plain one. The shape of a `LossFn` for `train` in src/nn.
 */
export function alignmentLoss<P, B extends RewardBatch, K>(
  model: { apply(params: P, x: Tensor): Tensor },
  reward: RewardTerm,
  dataLoss: (outputs: Tensor, batch: B) => Tensor,
): (params: P, batch: B, key: K) => Tensor {
  return (params, batch) => {
    const { value, outputs } = reward.withOutputs((p: P, x) => model.apply(p, x), params, batch);
    return add(dataLoss(outputs, batch), value);
  };
}
