/**
 * The demo report's deterministic random numbers and its example images: a small CT-like phantom
 * whose feature gradients come from the features themselves (automatic differentiation), with ∇f
 * a mix of them plus a hidden pattern, so that A, S_i and ∇f⊥ follow from the arrays.
 */
import { grad } from '../ad/transforms.ts';
import { dot, normSq, orthonormalBasis, spanAlignment } from '../interp/linalg.ts';
import type { Example, FlowFrame, ReportImage } from '../report/schema.ts';
import { tensor, type Tensor } from '../tensor/tensor.ts';
import { FEATURES as FEATURE_FNS } from './features.ts';

/** mulberry32: a tiny deterministic generator, so the demo is the same everywhere. */
export const makeRng = (seed: number) => {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal };
};
export type Rng = ReturnType<typeof makeRng>;

export const FEATURES = ['brightness', 'extent', 'logAspectRatio'] as const;
export type Feature = (typeof FEATURES)[number];

const round = (v: number, d = 4): number => Number(v.toFixed(d));

// ---------------------------------------------------------------------------
// Example images: a small CT-like phantom with exact feature gradients
// ---------------------------------------------------------------------------

export interface Tumour {
  readonly cx: number;
  readonly cy: number;
  readonly a: number;
  readonly b: number;
  readonly angle: number;
  readonly brightness: number;
}

const inEllipse = (x: number, y: number, cx: number, cy: number, a: number, b: number, angle: number): number => {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const dx = x - cx;
  const dy = y - cy;
  const u = (dx * c + dy * s) / a;
  const v = (-dx * s + dy * c) / b;
  return u * u + v * v;
};

/** Windowed CT slice in [0, 1] and the tumour mask. */
const phantomSlice = (n: number, t: Tumour, rng: Rng): { image: number[]; mask: number[] } => {
  const image = new Array<number>(n * n).fill(0);
  const mask = new Array<number>(n * n).fill(0);
  const c = n / 2;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const i = y * n + x;
      const body = inEllipse(x, y, c, c + n * 0.02, n * 0.42, n * 0.36, 0);
      if (body > 1) continue;
      let v = 0.42 + 0.03 * rng.normal();
      const fat = inEllipse(x, y, c, c + n * 0.02, n * 0.42, n * 0.36, 0);
      if (fat > 0.82) v = 0.22 + 0.02 * rng.normal();
      const spine = inEllipse(x, y, c, c + n * 0.22, n * 0.08, n * 0.07, 0);
      if (spine < 1) v = spine > 0.55 ? 0.97 : 0.7 + 0.03 * rng.normal();
      if (inEllipse(x, y, c, c - n * 0.06, n * 0.07, n * 0.055, 0) < 1) v = 0.02;
      const tm = inEllipse(x, y, t.cx, t.cy, t.a, t.b, t.angle);
      if (tm < 1) {
        mask[i] = 1;
        v = t.brightness + 0.05 * rng.normal() + 0.04 * Math.sin(x * 1.7) * Math.cos(y * 1.3);
      }
      image[i] = Math.min(1, Math.max(0, v));
    }
  }
  return { image, mask };
};

/** Gradients of brightness, extent and log aspect ratio, by automatic differentiation of the features themselves. */
const featureGradients = (n: number, image: readonly number[], mask: readonly number[]): Record<Feature, number[]> => {
  const img = tensor(image, [n, n], { dtype: 'f64' });
  const msk = tensor(mask, [n, n], { dtype: 'f64' });
  return Object.fromEntries(FEATURES.map((f) => [f, Array.from((grad((x: Tensor) => FEATURE_FNS[f]!(x as never, msk as never))(img) as Tensor).data)])) as Record<Feature, number[]>;
};

const norm = (a: readonly number[]): number => Math.sqrt(normSq(a));
const scaled = (a: readonly number[], k: number): number[] => a.map((v) => v * k);

/** The part of v orthogonal to span(basis) (interp's Gram–Schmidt, as A is computed). */
const orthogonalRemainder = (v: readonly number[], basis: readonly (readonly number[])[]): number[] => Array.from(spanAlignment(v, orthonormalBasis(basis, 1e-10)).perp);

const smoothHidden = (n: number, mask: readonly number[], t: Tumour): number[] => {
  // A non-interpretable pattern: high-frequency texture sensitivity near the tumour, plus a faint blob elsewhere.
  const out: number[] = [];
  for (let i = 0; i < n * n; i++) {
    const x = i % n;
    const y = Math.floor(i / n);
    const d2 = ((x - t.cx) ** 2 + (y - t.cy) ** 2) / (n * n * 0.02);
    const near = Math.exp(-d2);
    const far = 0.35 * Math.exp(-(((x - n * 0.32) ** 2 + (y - n * 0.38) ** 2) / (n * n * 0.006)));
    out.push(near * Math.sin(x * 0.45 + 0.7) * Math.cos(y * 0.38) * (0.4 + 0.6 * (mask[i] as number)) - far);
  }
  return out;
};

/** Which run an example comes from, and the span alignment its ∇f is mixed to have. */
export interface ExampleModel {
  readonly name: string;
  readonly seed: number;
  readonly A: number;
}

/** One example: the phantom slice of tumour `t`, its exact feature gradients and a ∇f with span alignment ≈ model.A. */
export const makeExample = (rng: Rng, n: number, id: string, label: 0 | 1, model: ExampleModel, t: Tumour): Example => {
  const { image, mask } = phantomSlice(n, t, rng);
  const g = featureGradients(n, image, mask);
  const unit = (v: readonly number[]) => scaled(v, 1 / norm(v));
  // The hidden pattern lies outside the features' span, so A is set by the mix below.
  const hidden = unit(orthogonalRemainder(smoothHidden(n, mask, t), FEATURES.map((f) => g[f])));
  // ∇f: mostly log aspect ratio and extent, a little brightness, plus the hidden pattern.
  const sign = label === 1 ? 1 : -1;
  const wA = Math.sqrt(model.A);
  const parts = [
    scaled(unit(g.logAspectRatio), sign * wA * 0.8),
    scaled(unit(g.extent), sign * wA * 0.5),
    scaled(unit(g.brightness), wA * 0.25),
    scaled(hidden, Math.sqrt(1 - model.A)),
  ];
  const gradF = parts.reduce((acc, p) => acc.map((v, i) => v + (p[i] as number)), new Array<number>(n * n).fill(0));
  const perp = orthogonalRemainder(gradF, FEATURES.map((f) => g[f]));
  const nf2 = normSq(gradF);
  const A = 1 - normSq(perp) / nf2;
  const S: Record<string, number> = {};
  for (const f of FEATURES) S[f] = round(dot(gradF, g[f]) ** 2 / (nf2 * normSq(g[f])), 4);
  const prob = label === 1 ? 0.71 + 0.1 * rng.next() : 0.18 + 0.1 * rng.next();
  const titles: Record<Feature, string> = { brightness: '∇g brightness', extent: '∇g extent', logAspectRatio: '∇g log aspect ratio' };
  const images: ReportImage[] = [
    { title: 'CT + tumour mask', caption: 'windowed to [0, 1]', width: n, height: n, data: image.map((v) => round(v, 4)), colormap: 'gray', mask },
    { title: '∇f', caption: 'model gradient (logit)', width: n, height: n, data: gradF.map((v) => round(v, 6)), colormap: 'diverging' },
    ...FEATURES.map((f) => ({ title: titles[f], caption: `S = ${S[f]?.toFixed(3)}`, width: n, height: n, data: g[f].map((v) => round(v, 7)), colormap: 'diverging' as const })),
    { title: '∇f⊥', caption: `unexplained: ${((1 - A) * 100).toFixed(0)}% of ‖∇f‖²`, width: n, height: n, data: perp.map((v) => round(v, 6)), colormap: 'diverging' },
  ];
  // Flow path: move against the gradient's sign towards the boundary.
  const dir = scaled(unit(gradF), label === 1 ? -1 : 1);
  const steps = 5;
  const total = 6;
  const flow: FlowFrame[] = Array.from({ length: steps }, (_, k) => {
    const s = (k / (steps - 1)) * total;
    const p = prob + ((0.5 - prob) * k) / (steps - 1);
    return {
      title: k === 0 ? 'start (test image)' : k === steps - 1 ? 'decision boundary' : `step ${k}`,
      width: n,
      height: n,
      data: image.map((v, i) => round(Math.min(1, Math.max(0, v + s * (dir[i] as number))), 4)),
      t: round(s, 3),
      prob: round(p, 3),
    };
  });
  return {
    id,
    label,
    model: model.name,
    seed: model.seed,
    prob: round(prob, 3),
    images,
    flow,
    measures: { spanAlignment: round(A, 4), unexplained: round(1 - A, 4), S, F: Object.fromEntries(FEATURES.map((f) => [f, round(Math.min(1, (S[f] ?? 0) * 1.1), 4)])) },
    path: { reached: true, length: total, steps: 37 + Math.floor(rng.next() * 20) },
  };
};
