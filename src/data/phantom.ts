/**
 * Synthetic head-and-neck CT phantom: one axial slice per subject in
 * Hounsfield units, its tumour mask, and a label drawn from a known rule over
 * the tumour's features (plus a hidden, non-interpretable one).
 *
 * Anatomy (image y grows downwards, anterior at the top):
 *   air (−1000 HU) outside an elliptical body outline; a subcutaneous fat
 *   ring (≈ −100 HU) around muscle/soft tissue (≈ 40 HU), both with smooth
 *   texture; the mandible as an anterior bone arc; a vertebra (cortical shell,
 *   cancellous body, posterior arch around the spinal canal); the airway
 *   (air); and the tumour, an ellipse whose brightness, size, elongation and
 *   orientation are drawn per subject, carrying a high-frequency texture of
 *   drawn amplitude (the hidden feature). The mask is the tumour ellipse.
 *
 * Label: score = Σ_f w_f · z_f + noise · ε over standardized features
 * f ∈ {brightness, size, logAspectRatio, texture}; exactly
 * round(prevalence · n) subjects with the highest scores are positive.
 *
 * Deterministic from `seed`: subject i's image depends only on (seed, i, size),
 * not on n.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError, fail, orThrow } from './errors.ts';
import { Rng } from './rng.ts';
import type { Dataset, GroundTruth, Image2D, PhantomFeature, Sample } from './types.ts';

/** [ours] The phantom's field of view: a neck-sized 250 mm, so a pixel is 250 / size mm and features can be in mm. */
export const PHANTOM_FIELD_OF_VIEW_MM = 250;

export const PHANTOM_FEATURES: readonly PhantomFeature[] = ['brightness', 'size', 'logAspectRatio', 'texture'];

export const DEFAULT_PHANTOM_WEIGHTS: Readonly<Record<PhantomFeature, number>> = {
  brightness: 1.0,
  size: 0.5,
  logAspectRatio: 1.5,
  texture: 1.0,
};

export const PHANTOM_FEATURE_DEFINITIONS: Readonly<Record<PhantomFeature, string>> = {
  brightness: 'tumour mean attenuation in HU before texture and CT noise (drawn ~ N(60, 20) clipped to [10, 120])',
  size: 'tumour equivalent radius sqrt(a·b) in pixels (a, b the ellipse semi-axes; log-normal, median 0.05·size)',
  logAspectRatio:
    'natural log of the tumour ellipse axis ratio a/b (drawn ~ U(0, ln 3)); the moment-based log λ1 − log λ2 feature is ≈ 2× this',
  texture:
    'hidden: RMS amplitude in HU of a zero-mean high-frequency texture inside the tumour (drawn ~ U(0, 40)); invisible to mean/moment features',
};

/** The paper's class balance: 40 positives of 298. */
export const DEFAULT_PREVALENCE = 40 / 298;

export interface PhantomRule {
  /** Weights of the standardized features; missing ones are 0 when a rule is given. */
  readonly weights?: Partial<Record<PhantomFeature, number>>;
  /** Standard deviation of Gaussian noise added to the score (standardized units). Default 0.5. */
  readonly noise?: number;
}

export interface PhantomOptions {
  /** Number of subjects (default 298). */
  readonly n?: number;
  /** Image side in pixels (default 128). */
  readonly size?: number;
  /**
   * Fraction of positive subjects (default 40/298 ≈ 0.134, the paper's 40 of
   * 298, so the default phantom has exactly 40 positives). round(prevalence · n)
   * subjects are positive.
   */
  readonly prevalence?: number;
  /** Exact number of positive subjects (overrides prevalence). */
  readonly positives?: number;
  /** Seed (default 0). */
  readonly seed?: number;
  /** Label rule (default: DEFAULT_PHANTOM_WEIGHTS, noise 0.5). */
  readonly rule?: PhantomRule;
  /** Standard deviation of white CT noise inside the body, HU (default 6). */
  readonly ctNoise?: number;
  /** Dataset name (default 'phantom'). */
  readonly name?: string;
}

interface TumourParams {
  readonly brightness: number;
  readonly size: number;
  readonly logAspectRatio: number;
  readonly orientation: number;
  readonly texture: number;
  readonly cx: number;
  readonly cy: number;
}

interface Subject {
  readonly image: Image2D;
  readonly mask: Image2D;
  readonly tumour: TumourParams;
  readonly area: number;
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** Smooth value noise in [-1, 1]: a (g+1)² grid of random values, bicubic-smoothstep interpolated. */
const valueNoise = (r: Rng, size: number, cells: number): Float32Array => {
  const g = cells + 1;
  const grid = new Float32Array(g * g);
  for (let i = 0; i < grid.length; i++) grid[i] = r.uniform(-1, 1);
  const out = new Float32Array(size * size);
  const scale = cells / size;
  for (let y = 0; y < size; y++) {
    const fy = y * scale;
    const iy = Math.min(Math.floor(fy), cells - 1);
    let ty = fy - iy;
    ty = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < size; x++) {
      const fx = x * scale;
      const ix = Math.min(Math.floor(fx), cells - 1);
      let tx = fx - ix;
      tx = tx * tx * (3 - 2 * tx);
      const a = grid[iy * g + ix] as number;
      const b = grid[iy * g + ix + 1] as number;
      const c = grid[(iy + 1) * g + ix] as number;
      const d = grid[(iy + 1) * g + ix + 1] as number;
      out[y * size + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
};

const drawTumour = (r: Rng, S: number, cx0: number, cy0: number): TumourParams => {
  const brightness = clamp(r.normal(60, 20), 10, 120);
  const size = clamp(S * 0.05 * Math.exp(r.normal(0, 0.25)), S * 0.025, S * 0.09);
  let logAspectRatio = r.uniform(0, Math.log(3));
  // keep the long semi-axis inside the soft tissue
  const maxA = S * 0.13;
  if (size * Math.exp(logAspectRatio / 2) > maxA) logAspectRatio = 2 * Math.log(maxA / size);
  const orientation = r.uniform(0, Math.PI);
  const texture = r.uniform(0, 40);
  const side = r.next() < 0.5 ? -1 : 1;
  const cx = cx0 + side * S * r.uniform(0.13, 0.19);
  const cy = cy0 + S * r.uniform(-0.08, 0.04);
  return { brightness, size, logAspectRatio, orientation, texture, cx, cy };
};

const renderSubject = (r: Rng, S: number, ctNoise: number): Subject => {
  const anat = r.fork('anatomy');
  const tex = r.fork('texture');
  const noise = r.fork('noise');
  // body outline
  const cx0 = S / 2 + anat.normal(0, 0.01 * S);
  const cy0 = S / 2 + anat.normal(0, 0.01 * S);
  const bax = 0.4 * S * (1 + clamp(anat.normal(0, 0.04), -0.1, 0.1));
  const bay = 0.34 * S * (1 + clamp(anat.normal(0, 0.04), -0.1, 0.1));
  const brot = clamp(anat.normal(0, 0.05), -0.15, 0.15);
  const bc = Math.cos(brot);
  const bs = Math.sin(brot);
  const fatT = 0.06 * S * anat.uniform(0.7, 1.3);
  const iax = bax - fatT;
  const iay = bay - fatT;
  const fatHU = anat.normal(-100, 8);
  const muscleHU = anat.normal(40, 5);
  // airway
  const awx = cx0 + anat.normal(0, 0.01 * S);
  const awy = cy0 - 0.02 * S;
  const awrx = 0.05 * S * anat.uniform(0.8, 1.2);
  const awry = 0.04 * S * anat.uniform(0.8, 1.2);
  // vertebra
  const vx = cx0 + anat.normal(0, 0.005 * S);
  const vy = cy0 + 0.14 * S;
  const vrx = 0.07 * S;
  const vry = 0.06 * S;
  const shell = 0.014 * S;
  const cortHU = anat.uniform(750, 950);
  const cancHU = anat.uniform(250, 350);
  const canalY = vy + 0.1 * S;
  const canalR = 0.03 * S;
  const archT = 0.016 * S;
  // mandible: arc of radius R around (cx0, cy0 + 0.02 S), anterior angles
  const mR = 0.25 * S * anat.uniform(0.95, 1.05);
  const mT = 0.025 * S;
  const mandHU = anat.uniform(800, 1000);
  const mcy = cy0 + 0.02 * S;
  const mA0 = -Math.PI + anat.uniform(0.25, 0.45);
  const mA1 = -anat.uniform(0.25, 0.45);

  const tumour = drawTumour(r.fork('tumour'), S, cx0, cy0);
  const ar = Math.exp(tumour.logAspectRatio);
  const ta = tumour.size * Math.sqrt(ar);
  const tb = tumour.size / Math.sqrt(ar);
  const tc = Math.cos(tumour.orientation);
  const ts = Math.sin(tumour.orientation);
  // texture: three oriented sinusoids with periods 2.5–4 px, normalised to RMS 1
  const waves: { kx: number; ky: number; ph: number }[] = [];
  for (let k = 0; k < 3; k++) {
    const ang = tex.uniform(0, Math.PI);
    const period = tex.uniform(2.5, 4);
    const w = (2 * Math.PI) / period;
    waves.push({ kx: w * Math.cos(ang), ky: w * Math.sin(ang), ph: tex.uniform(0, 2 * Math.PI) });
  }
  const texAmp = tumour.texture * Math.sqrt(2 / 3);
  const w0 = waves[0] as { kx: number; ky: number; ph: number };
  const w1 = waves[1] as { kx: number; ky: number; ph: number };
  const w2 = waves[2] as { kx: number; ky: number; ph: number };

  const softNoise = valueNoise(tex.fork('soft'), S, 8);
  const fineNoise = valueNoise(tex.fork('fine'), S, 24);

  const img = new Float32Array(S * S);
  const mask = new Float32Array(S * S);
  let area = 0;
  for (let y = 0; y < S; y++) {
    const py = y + 0.5;
    for (let x = 0; x < S; x++) {
      const px = x + 0.5;
      const i = y * S + x;
      const dx = px - cx0;
      const dy = py - cy0;
      const u = dx * bc + dy * bs;
      const v = -dx * bs + dy * bc;
      const rb = (u * u) / (bax * bax) + (v * v) / (bay * bay);
      if (rb > 1) {
        img[i] = -1000;
        continue;
      }
      const ri = (u * u) / (iax * iax) + (v * v) / (iay * iay);
      const sn = softNoise[i] as number;
      const fn = fineNoise[i] as number;
      let hu = ri > 1 ? fatHU + 10 * sn + 4 * fn : muscleHU + 12 * sn + 6 * fn;
      // mandible
      const mdx = px - cx0;
      const mdy = py - mcy;
      const md = Math.sqrt(mdx * mdx + mdy * mdy);
      if (md > mR - mT && md < mR + mT) {
        const a = Math.atan2(mdy, mdx);
        if (a > mA0 && a < mA1) hu = Math.abs(md - mR) < mT * 0.5 ? mandHU : mandHU * 0.6;
      }
      // vertebral body
      const vdx = (px - vx) / vrx;
      const vdy = (py - vy) / vry;
      const rv = vdx * vdx + vdy * vdy;
      if (rv <= 1) {
        const inner = ((px - vx) / (vrx - shell)) ** 2 + ((py - vy) / (vry - shell)) ** 2;
        hu = inner <= 1 ? cancHU + 30 * fn : cortHU;
      }
      // posterior arch and spinal canal
      const cdx = px - vx;
      const cdy = py - canalY;
      const cd = Math.sqrt(cdx * cdx + cdy * cdy);
      if (cd <= canalR) hu = 10 + 3 * fn;
      else if (cd <= canalR + archT && cdy > -canalR * 0.6) hu = cortHU * 0.9;
      // airway
      const adx = (px - awx) / awrx;
      const ady = (py - awy) / awry;
      if (adx * adx + ady * ady <= 1) hu = -1000;
      // tumour
      const tdx = px - tumour.cx;
      const tdy = py - tumour.cy;
      const tu = tdx * tc + tdy * ts;
      const tv = -tdx * ts + tdy * tc;
      if ((tu * tu) / (ta * ta) + (tv * tv) / (tb * tb) <= 1) {
        const t =
          Math.sin(w0.kx * px + w0.ky * py + w0.ph) +
          Math.sin(w1.kx * px + w1.ky * py + w1.ph) +
          Math.sin(w2.kx * px + w2.ky * py + w2.ph);
        hu = tumour.brightness + texAmp * t;
        mask[i] = 1;
        area++;
      }
      img[i] = hu + (ctNoise > 0 ? noise.normal(0, ctNoise) : 0);
    }
  }
  return { image: { width: S, height: S, data: img }, mask: { width: S, height: S, data: mask }, tumour, area };
};

const meanSd = (xs: readonly number[]): { mean: number; sd: number } => {
  const n = xs.length;
  let m = 0;
  for (const x of xs) m += x;
  m /= n;
  let v = 0;
  for (const x of xs) v += (x - m) * (x - m);
  const sd = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
  return { mean: m, sd };
};

/** Build the phantom; Left(DataError 'bad-option') for invalid options. */
export const makePhantom = (options: PhantomOptions = {}): E.Either<DataError, Dataset> => {
  const n = options.n ?? 298;
  const S = options.size ?? 128;
  const prevalence = options.positives !== undefined ? options.positives / n : (options.prevalence ?? DEFAULT_PREVALENCE);
  const seed = options.seed ?? 0;
  const ctNoise = options.ctNoise ?? 6;
  const noiseSd = options.rule?.noise ?? 0.5;
  if (!Number.isInteger(n) || n < 1) return fail('bad-option', `phantom: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(S) || S < 16 || S > 4096)
    return fail('bad-option', `phantom: size must be an integer in [16, 4096], got ${S}`);
  if (options.positives !== undefined && !(Number.isInteger(options.positives) && options.positives >= 0 && options.positives <= n))
    return fail('bad-option', `phantom: positives must be an integer in [0, n], got ${options.positives}`);
  if (!(prevalence >= 0 && prevalence <= 1))
    return fail('bad-option', `phantom: prevalence must be in [0, 1], got ${prevalence}`);
  if (!Number.isFinite(seed)) return fail('bad-option', `phantom: seed must be a finite number, got ${seed}`);
  if (!(ctNoise >= 0)) return fail('bad-option', `phantom: ctNoise must be >= 0, got ${ctNoise}`);
  if (!(noiseSd >= 0) || !Number.isFinite(noiseSd))
    return fail('bad-option', `phantom: rule.noise must be a finite number >= 0, got ${noiseSd}`);
  const weights: Record<PhantomFeature, number> = options.rule?.weights
    ? { brightness: 0, size: 0, logAspectRatio: 0, texture: 0, ...options.rule.weights }
    : { ...DEFAULT_PHANTOM_WEIGHTS };
  for (const f of PHANTOM_FEATURES) {
    if (!Number.isFinite(weights[f])) return fail('bad-option', `phantom: weight '${f}' must be finite, got ${weights[f]}`);
  }
  for (const k of Object.keys(weights)) {
    if (!(PHANTOM_FEATURES as readonly string[]).includes(k))
      return fail('bad-option', `phantom: unknown feature '${k}' in rule.weights (known: ${PHANTOM_FEATURES.join(', ')})`);
  }

  const root = new Rng(seed >>> 0);
  const subjects: Subject[] = [];
  for (let i = 0; i < n; i++) subjects.push(renderSubject(root.fork(i), S, ctNoise));

  const stats = {} as Record<PhantomFeature, { mean: number; sd: number }>;
  for (const f of PHANTOM_FEATURES) stats[f] = meanSd(subjects.map((s) => s.tumour[f]));
  const scores = subjects.map((s, i) => {
    let score = 0;
    for (const f of PHANTOM_FEATURES) {
      const { mean, sd } = stats[f];
      score += weights[f] * ((s.tumour[f] - mean) / (sd > 0 ? sd : 1));
    }
    return score + noiseSd * root.fork('label-noise').fork(i).normal();
  });
  const k = options.positives ?? Math.round(prevalence * n);
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const labels = new Array<0 | 1>(n).fill(0);
  for (let j = 0; j < k; j++) labels[order[j] as number] = 1;
  const hi = k > 0 ? (scores[order[k - 1] as number] as number) : Infinity;
  const lo = k < n ? (scores[order[k] as number] as number) : -Infinity;
  const threshold = k === 0 ? lo : k === n ? hi : (hi + lo) / 2;

  const width = String(n - 1).length;
  const samples: Sample[] = subjects.map((s, i) => ({
    id: `phantom-${String(i).padStart(Math.max(3, width), '0')}`,
    image: s.image,
    mask: s.mask,
    label: labels[i] as 0 | 1,
    source: 'phantom',
    spacing: [PHANTOM_FIELD_OF_VIEW_MM / S, PHANTOM_FIELD_OF_VIEW_MM / S],
    truth: {
      brightness: s.tumour.brightness,
      size: s.tumour.size,
      area: s.area,
      aspectRatio: Math.exp(s.tumour.logAspectRatio),
      logAspectRatio: s.tumour.logAspectRatio,
      orientation: s.tumour.orientation,
      texture: s.tumour.texture,
      centreX: s.tumour.cx,
      centreY: s.tumour.cy,
      score: scores[i] as number,
    },
  }));
  const groundTruth: GroundTruth = {
    kind: 'linear-threshold',
    weights,
    noise: noiseSd,
    prevalence,
    positives: k,
    threshold,
    featureStats: stats,
    hidden: ['texture'],
    definitions: PHANTOM_FEATURE_DEFINITIONS,
    seed,
  };
  const wdesc = PHANTOM_FEATURES.map((f) => `${weights[f]}·z(${f})`).join(' + ');
  return E.right({
    name: options.name ?? 'phantom',
    samples,
    groundTruth,
    description:
      `Synthetic head-and-neck CT phantom: ${n} subjects, ${S}×${S} px in HU, ${k} positive (${((100 * k) / n).toFixed(1)}%), seed ${seed}. ` +
      `Label: top ${k} of score = ${wdesc} + ${noiseSd}·ε.`,
  });
};

/** Build the phantom; throws DataError('bad-option') on invalid options. */
export const phantom = (options: PhantomOptions = {}): Dataset => orThrow(makePhantom(options));
