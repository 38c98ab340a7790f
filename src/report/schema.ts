/**
 * The experiment report's JSON format (`report.json`, version 1) and its
 * runtime validator.
 *
 * The report layer depends on nothing above it: the experiment (src/cli) and
 * the measures (src/interp) convert their results to these plain types. Every
 * number is finite (a NaN never reaches a report: the layers below turn an
 * undefined measure into a clear error or a flag), every alignment lies in
 * [0, 1], and every image's `data` holds `width * height` values, row-major.
 */
import * as E from 'fp-ts/lib/Either.js';

/** Where an assumption comes from (see PAPER.md). */
export type AssumptionSource = 'paper' | 'authors' | 'ours';
export const ASSUMPTION_SOURCES: readonly AssumptionSource[] = ['paper', 'authors', 'ours'];

export interface Assumption {
  /** Stable identifier, e.g. 'flow-normalised'. Unique within a report. */
  readonly id: string;
  readonly text: string;
  readonly source: AssumptionSource;
}

export interface DataSummary {
  /** e.g. 'synthetic phantom (seed 1)' or 'Head-Neck-PET-CT manifest.csv'. */
  readonly name: string;
  readonly nTrain: number;
  readonly nTest: number;
  /** Positive labels over train + test. */
  readonly positives: number;
  /** Known label rule (synthetic data only): its text and each feature's weight in it. */
  readonly groundTruth?: { readonly rule: string; readonly weights: Readonly<Record<string, number>> };
  /** Optional extra description shown in the header. */
  readonly description?: string;
}

/** Which alignment reward a model was trained with. */
export type RewardKind = 'pointwise' | 'span' | 'none';
export const REWARD_KINDS: readonly RewardKind[] = ['pointwise', 'span', 'none'];

/** Test-set summary of one feature's alignment with a model's gradient. */
export interface FeatureSummary {
  /** Mean pointwise alignment S_i over the test set. */
  readonly S: number;
  /** Mean gradient-flow alignment F_i over the test set. */
  readonly F: number;
  readonly Smedian?: number;
  readonly Sq1?: number;
  readonly Sq3?: number;
  /** Mean S_i divided by the noise baseline's mean S. */
  readonly ratioToNoise?: number;
  /** Significance of S_i against the noise draws (e.g. a permutation or rank test). */
  readonly pValue?: number;
  /** Mean F_i divided by the noise baseline's mean F. */
  readonly flowRatioToNoise?: number;
  /** Significance of F_i against the noise draws. */
  readonly flowPValue?: number;
}

export interface TrainingEpoch {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainBalancedAccuracy: number;
  readonly testBalancedAccuracy: number;
}

export interface ModelResult {
  /** Unique within a report, e.g. 'baseline', 'pointwise-λ0.1'. */
  readonly name: string;
  readonly lambda: number;
  readonly kind: RewardKind;
  readonly balancedAccuracy: number;
  readonly auc: number;
  readonly accuracy: number;
  /** Mean span alignment A over the test set. */
  readonly spanAlignment: number;
  /** Mean gradient-flow span alignment F_A over the test set. */
  readonly flowSpanAlignment: number;
  /** Mean unexplained part ‖∇f⊥‖² / ‖∇f‖² over the test set. */
  readonly unexplained: number;
  readonly features: Readonly<Record<string, FeatureSummary>>;
  /** The noise baseline's mean S and F (over test images and noise draws). */
  readonly noise: { readonly S: number; readonly F: number; readonly draws?: number };
  /** Per-test-image values per feature, plus the key 'noise'. */
  readonly distributions?: Readonly<Record<string, { readonly S: readonly number[]; readonly F: readonly number[] }>>;
  readonly history?: readonly TrainingEpoch[];
  /** Counts of notable events, e.g. { flowNotReached: 3, undefinedFeature: 1 }. */
  readonly flags?: Readonly<Record<string, number>>;
}

export type Colormap = 'gray' | 'diverging';
export const COLORMAPS: readonly Colormap[] = ['gray', 'diverging'];

/** A row-major image; `data.length === width * height`. */
export interface ReportImage {
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly data: readonly number[];
  /** 'gray': scaled to [min, max]; 'diverging': blue–white–red, symmetric around 0. */
  readonly colormap: Colormap;
  /** Optional 0/1 mask of the same size, drawn as an outline over the image. */
  readonly mask?: readonly number[];
  /** Optional one-line explanation shown under the title. */
  readonly caption?: string;
}

/** A frame of the gradient-flow path (drawn in gray). */
export interface FlowFrame {
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly data: readonly number[];
  /** Arc length along the path at this frame. */
  readonly t?: number;
  /** Classifier probability at this frame. */
  readonly prob?: number;
}

export interface Example {
  readonly id: string;
  readonly label: 0 | 1;
  /** Name of a model in `models`. */
  readonly model: string;
  readonly prob: number;
  /** Image+mask, ∇f, each ∇g_i, ∇f⊥. */
  readonly images: readonly ReportImage[];
  /** The image at points along the flow path. */
  readonly flow?: readonly FlowFrame[];
  /** The example's own measures: A, unexplained, S_i per feature. */
  readonly measures?: {
    readonly spanAlignment: number;
    readonly unexplained: number;
    readonly S?: Readonly<Record<string, number>>;
    readonly F?: Readonly<Record<string, number>>;
  };
  /** How the flow path ended (PAPER.md: report whether it reached the boundary, its length, its steps). */
  readonly path?: { readonly reached: boolean; readonly length: number; readonly steps: number };
}

/** The paper's published figures (Jin, Garneau & Fletcher, ISBI 2022). */
export interface PaperFigures {
  readonly spanAlignmentBaseline: number;
  readonly spanAlignmentRewarded: number;
  readonly balancedAccuracy: number;
}

export const PAPER_FIGURES: PaperFigures = {
  spanAlignmentBaseline: 0.16,
  spanAlignmentRewarded: 0.19,
  balancedAccuracy: 0.68,
};

export interface Timing {
  readonly totalSeconds: number;
  readonly [phase: string]: number;
}

export interface ReportJson {
  readonly version: 1;
  /** ISO 8601 timestamp. */
  readonly createdAt: string;
  /** Every option of the run (data, size, epochs, seed, lambdas, …). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly assumptions: readonly Assumption[];
  readonly data: DataSummary;
  readonly models: readonly ModelResult[];
  /**
   * Which models the paper table compares. When absent, the renderer picks the
   * unrewarded model and the largest-λ rewarded model within 0.02 balanced
   * accuracy of it (the paper's "λ as large as possible without hurting performance").
   */
  readonly comparison?: { readonly baseline: string; readonly rewarded: string };
  readonly examples?: readonly Example[];
  readonly paper: PaperFigures;
  readonly timing: Timing;
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

type Rec = Record<string, unknown>;

const isRecord = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);

const describe = (x: unknown): string => {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'number') return Number.isNaN(x) ? 'NaN' : String(x);
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  return typeof x;
};

interface NumOpts {
  readonly min?: number;
  readonly max?: number;
  readonly int?: boolean;
}

/** Collects problems as "path: what is wrong". */
class Checker {
  readonly problems: string[] = [];

  fail(path: string, msg: string): void {
    this.problems.push(`${path}: ${msg}`);
  }

  record(path: string, x: unknown): x is Rec {
    if (isRecord(x)) return true;
    this.fail(path, `expected an object, got ${describe(x)}`);
    return false;
  }

  array(path: string, x: unknown): x is unknown[] {
    if (Array.isArray(x)) return true;
    this.fail(path, `expected an array, got ${describe(x)}`);
    return false;
  }

  string(path: string, x: unknown, nonEmpty = true): x is string {
    if (typeof x !== 'string') {
      this.fail(path, `expected a string, got ${describe(x)}`);
      return false;
    }
    if (nonEmpty && x.trim() === '') {
      this.fail(path, 'must not be empty');
      return false;
    }
    return true;
  }

  number(path: string, x: unknown, o: NumOpts = {}): x is number {
    if (typeof x !== 'number') {
      this.fail(path, `expected a number, got ${describe(x)}`);
      return false;
    }
    if (!Number.isFinite(x)) {
      this.fail(path, `expected a finite number, got ${describe(x)}`);
      return false;
    }
    let ok = true;
    if (o.int === true && !Number.isInteger(x)) {
      this.fail(path, `expected an integer, got ${x}`);
      ok = false;
    }
    if (o.min !== undefined && x < o.min) {
      this.fail(path, `must be ≥ ${o.min}, got ${x}`);
      ok = false;
    }
    if (o.max !== undefined && x > o.max) {
      this.fail(path, `must be ≤ ${o.max}, got ${x}`);
      ok = false;
    }
    return ok;
  }

  /** A number in [0, 1] (alignments, accuracies, probabilities). */
  unit(path: string, x: unknown): x is number {
    return this.number(path, x, { min: 0, max: 1 });
  }

  oneOf<T extends string | number>(path: string, x: unknown, options: readonly T[]): x is T {
    if ((options as readonly unknown[]).includes(x)) return true;
    this.fail(path, `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(x)}`);
    return false;
  }

  /** Optional field: checked only when present (undefined counts as absent). */
  optional(x: unknown, check: () => void): void {
    if (x !== undefined) check();
  }

  /** Every element a number passing `o`; reports at most 3 bad entries, then a count. */
  numberArray(path: string, x: unknown, o: NumOpts = {}): x is number[] {
    if (!this.array(path, x)) return false;
    let bad = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const okv =
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (o.min === undefined || v >= o.min) &&
        (o.max === undefined || v <= o.max) &&
        (o.int !== true || Number.isInteger(v));
      if (!okv) {
        bad++;
        if (bad <= 3) this.number(`${path}[${i}]`, v, o);
      }
    }
    if (bad > 3) this.fail(path, `${bad - 3} more invalid entries`);
    return bad === 0;
  }
}

const validateImage = (c: Checker, p: string, x: unknown, kind: 'image' | 'flow'): void => {
  if (!c.record(p, x)) return;
  c.string(`${p}.title`, x.title);
  const wOk = c.number(`${p}.width`, x.width, { min: 1, int: true });
  const hOk = c.number(`${p}.height`, x.height, { min: 1, int: true });
  const dOk = c.numberArray(`${p}.data`, x.data);
  if (wOk && hOk && Array.isArray(x.data)) {
    const n = (x.width as number) * (x.height as number);
    if (x.data.length !== n) c.fail(`${p}.data`, `has ${x.data.length} values, expected width × height = ${n}`);
  }
  void dOk;
  if (kind === 'image') {
    c.oneOf(`${p}.colormap`, x.colormap, COLORMAPS);
    c.optional(x.mask, () => {
      if (c.numberArray(`${p}.mask`, x.mask, { min: 0, max: 1 }) && wOk && hOk) {
        const n = (x.width as number) * (x.height as number);
        const len = (x.mask as number[]).length;
        if (len !== n) c.fail(`${p}.mask`, `has ${len} values, expected width × height = ${n}`);
      }
    });
    c.optional(x.caption, () => c.string(`${p}.caption`, x.caption, false));
  } else {
    c.optional(x.t, () => c.number(`${p}.t`, x.t, { min: 0 }));
    c.optional(x.prob, () => c.unit(`${p}.prob`, x.prob));
  }
};

const validateFeatureSummary = (c: Checker, p: string, x: unknown): void => {
  if (!c.record(p, x)) return;
  c.unit(`${p}.S`, x.S);
  c.unit(`${p}.F`, x.F);
  for (const k of ['Smedian', 'Sq1', 'Sq3'] as const) c.optional(x[k], () => c.unit(`${p}.${k}`, x[k]));
  for (const k of ['ratioToNoise', 'flowRatioToNoise'] as const) c.optional(x[k], () => c.number(`${p}.${k}`, x[k], { min: 0 }));
  for (const k of ['pValue', 'flowPValue'] as const) c.optional(x[k], () => c.unit(`${p}.${k}`, x[k]));
  const q1 = x.Sq1, med = x.Smedian, q3 = x.Sq3;
  if (typeof q1 === 'number' && typeof med === 'number' && q1 > med) c.fail(p, `Sq1 (${q1}) exceeds Smedian (${med})`);
  if (typeof med === 'number' && typeof q3 === 'number' && med > q3) c.fail(p, `Smedian (${med}) exceeds Sq3 (${q3})`);
  if (typeof q1 === 'number' && typeof q3 === 'number' && q1 > q3) c.fail(p, `Sq1 (${q1}) exceeds Sq3 (${q3})`);
};

const validateModel = (c: Checker, p: string, x: unknown): void => {
  if (!c.record(p, x)) return;
  c.string(`${p}.name`, x.name);
  c.number(`${p}.lambda`, x.lambda, { min: 0 });
  const kindOk = c.oneOf(`${p}.kind`, x.kind, REWARD_KINDS);
  if (kindOk && typeof x.lambda === 'number') {
    if (x.kind === 'none' && x.lambda !== 0) c.fail(`${p}.lambda`, `must be 0 for kind "none", got ${x.lambda}`);
  }
  for (const k of ['balancedAccuracy', 'auc', 'accuracy', 'spanAlignment', 'flowSpanAlignment', 'unexplained'] as const) {
    c.unit(`${p}.${k}`, x[k]);
  }
  const featureNames: string[] = [];
  if (c.record(`${p}.features`, x.features)) {
    for (const [name, f] of Object.entries(x.features)) {
      if (name === 'noise') c.fail(`${p}.features.noise`, 'the noise baseline belongs in "noise", not among the features');
      featureNames.push(name);
      validateFeatureSummary(c, `${p}.features.${name}`, f);
    }
  }
  if (c.record(`${p}.noise`, x.noise)) {
    c.unit(`${p}.noise.S`, x.noise.S);
    c.unit(`${p}.noise.F`, x.noise.F);
    const draws = x.noise.draws;
    c.optional(draws, () => c.number(`${p}.noise.draws`, draws, { min: 1, int: true }));
  }
  c.optional(x.distributions, () => {
    if (!c.record(`${p}.distributions`, x.distributions)) return;
    for (const [name, d] of Object.entries(x.distributions)) {
      const q = `${p}.distributions.${name}`;
      if (name !== 'noise' && isRecord(x.features) && !(name in x.features)) {
        c.fail(q, `names no feature of this model (features: ${featureNames.join(', ') || 'none'}; or "noise")`);
      }
      if (!c.record(q, d)) continue;
      c.numberArray(`${q}.S`, d.S, { min: 0, max: 1 });
      c.numberArray(`${q}.F`, d.F, { min: 0, max: 1 });
    }
  });
  c.optional(x.history, () => {
    if (!c.array(`${p}.history`, x.history)) return;
    let prev = -Infinity;
    x.history.forEach((h, i) => {
      const q = `${p}.history[${i}]`;
      if (!c.record(q, h)) return;
      if (c.number(`${q}.epoch`, h.epoch, { min: 0, int: true })) {
        if ((h.epoch as number) <= prev) c.fail(`${q}.epoch`, `epochs must increase, got ${h.epoch as number} after ${prev}`);
        prev = h.epoch as number;
      }
      c.number(`${q}.trainLoss`, h.trainLoss);
      c.unit(`${q}.trainBalancedAccuracy`, h.trainBalancedAccuracy);
      c.unit(`${q}.testBalancedAccuracy`, h.testBalancedAccuracy);
    });
  });
  c.optional(x.flags, () => {
    if (!c.record(`${p}.flags`, x.flags)) return;
    for (const [k, v] of Object.entries(x.flags)) c.number(`${p}.flags.${k}`, v, { min: 0, int: true });
  });
};

const validateExample = (c: Checker, p: string, x: unknown, modelNames: ReadonlySet<string>): void => {
  if (!c.record(p, x)) return;
  c.string(`${p}.id`, x.id);
  c.oneOf(`${p}.label`, x.label, [0, 1]);
  if (c.string(`${p}.model`, x.model) && !modelNames.has(x.model)) {
    c.fail(`${p}.model`, `names no model in "models": ${JSON.stringify(x.model)}`);
  }
  c.unit(`${p}.prob`, x.prob);
  if (c.array(`${p}.images`, x.images)) {
    if (x.images.length === 0) c.fail(`${p}.images`, 'must hold at least one image');
    x.images.forEach((im, i) => validateImage(c, `${p}.images[${i}]`, im, 'image'));
  }
  c.optional(x.flow, () => {
    if (c.array(`${p}.flow`, x.flow)) x.flow.forEach((im, i) => validateImage(c, `${p}.flow[${i}]`, im, 'flow'));
  });
  c.optional(x.measures, () => {
    const m = x.measures;
    if (!c.record(`${p}.measures`, m)) return;
    c.unit(`${p}.measures.spanAlignment`, m.spanAlignment);
    c.unit(`${p}.measures.unexplained`, m.unexplained);
    for (const k of ['S', 'F'] as const) {
      c.optional(m[k], () => {
        const r = m[k];
        if (c.record(`${p}.measures.${k}`, r)) for (const [n, v] of Object.entries(r)) c.unit(`${p}.measures.${k}.${n}`, v);
      });
    }
  });
  c.optional(x.path, () => {
    const q = x.path;
    if (!c.record(`${p}.path`, q)) return;
    if (typeof q.reached !== 'boolean') c.fail(`${p}.path.reached`, `expected a boolean, got ${describe(q.reached)}`);
    c.number(`${p}.path.length`, q.length, { min: 0 });
    c.number(`${p}.path.steps`, q.steps, { min: 0, int: true });
  });
};

/**
 * Check that `x` is a well-formed version-1 report. Collects every problem it
 * finds (each as "path: what is wrong") instead of stopping at the first.
 */
export const validateReport = (x: unknown): E.Either<string[], ReportJson> => {
  const c = new Checker();
  if (!c.record('report', x)) return E.left(c.problems);

  if (x.version !== 1) c.fail('version', `expected 1, got ${describe(x.version)}`);
  if (c.string('createdAt', x.createdAt) && Number.isNaN(Date.parse(x.createdAt))) {
    c.fail('createdAt', `not an ISO 8601 date: ${describe(x.createdAt)}`);
  }
  c.record('settings', x.settings);

  if (c.array('assumptions', x.assumptions)) {
    const seen = new Set<string>();
    x.assumptions.forEach((a, i) => {
      const p = `assumptions[${i}]`;
      if (!c.record(p, a)) return;
      if (c.string(`${p}.id`, a.id)) {
        if (seen.has(a.id)) c.fail(`${p}.id`, `duplicate id ${JSON.stringify(a.id)}`);
        seen.add(a.id);
      }
      c.string(`${p}.text`, a.text);
      c.oneOf(`${p}.source`, a.source, ASSUMPTION_SOURCES);
    });
  }

  if (c.record('data', x.data)) {
    const d = x.data;
    c.string('data.name', d.name);
    const a = c.number('data.nTrain', d.nTrain, { min: 0, int: true });
    const b = c.number('data.nTest', d.nTest, { min: 0, int: true });
    if (c.number('data.positives', d.positives, { min: 0, int: true }) && a && b) {
      const total = (d.nTrain as number) + (d.nTest as number);
      if ((d.positives as number) > total) c.fail('data.positives', `${d.positives as number} exceeds nTrain + nTest = ${total}`);
    }
    c.optional(d.description, () => c.string('data.description', d.description, false));
    c.optional(d.groundTruth, () => {
      const g = d.groundTruth;
      if (!c.record('data.groundTruth', g)) return;
      c.string('data.groundTruth.rule', g.rule);
      if (c.record('data.groundTruth.weights', g.weights)) {
        for (const [k, v] of Object.entries(g.weights)) c.number(`data.groundTruth.weights.${k}`, v);
      }
    });
  }

  const modelNames = new Set<string>();
  if (c.array('models', x.models)) {
    if (x.models.length === 0) c.fail('models', 'must hold at least one model');
    x.models.forEach((m, i) => {
      validateModel(c, `models[${i}]`, m);
      if (isRecord(m) && typeof m.name === 'string') {
        if (modelNames.has(m.name)) c.fail(`models[${i}].name`, `duplicate model name ${JSON.stringify(m.name)}`);
        modelNames.add(m.name);
      }
    });
  }

  c.optional(x.comparison, () => {
    const cmp = x.comparison;
    if (!c.record('comparison', cmp)) return;
    for (const k of ['baseline', 'rewarded'] as const) {
      if (c.string(`comparison.${k}`, cmp[k]) && !modelNames.has(cmp[k] as string)) {
        c.fail(`comparison.${k}`, `names no model in "models": ${JSON.stringify(cmp[k])}`);
      }
    }
  });

  c.optional(x.examples, () => {
    if (c.array('examples', x.examples)) x.examples.forEach((e, i) => validateExample(c, `examples[${i}]`, e, modelNames));
  });

  if (c.record('paper', x.paper)) {
    c.unit('paper.spanAlignmentBaseline', x.paper.spanAlignmentBaseline);
    c.unit('paper.spanAlignmentRewarded', x.paper.spanAlignmentRewarded);
    c.unit('paper.balancedAccuracy', x.paper.balancedAccuracy);
  }

  if (c.record('timing', x.timing)) {
    c.number('timing.totalSeconds', x.timing.totalSeconds, { min: 0 });
    for (const [k, v] of Object.entries(x.timing)) if (k !== 'totalSeconds') c.number(`timing.${k}`, v, { min: 0 });
  }

  return c.problems.length > 0 ? E.left(c.problems) : E.right(x as unknown as ReportJson);
};
