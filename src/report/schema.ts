/**
 * The experiment report's JSON format (`report.json`, version 2): one zod definition gives the
 * TypeScript types, the runtime validation and the published JSON Schema (report.schema.json).
 *
 * Version 2 reports a run over several seeds: every headline number is a `SeedStat` (the mean over
 * seeds with a 95% interval and the per-seed values), each seed's own results are kept in
 * `models[].runs`, and each rewarded model is compared with the baseline of the same seeds in
 * `comparisons` (paired differences with an interval and a p-value).
 *
 * The report layer depends on nothing above it: the experiment converts its results to these
 * plain types. Every number is finite (an undefined measure is null or a flag, never NaN), every
 * alignment lies in [0, 1], and every image's `data` holds `width * height` values, row-major.
 */
import * as E from 'fp-ts/lib/Either.js';
import { z } from 'zod';

export const REPORT_VERSION = 2;

const finite = z.number();
const unit = z.number().min(0).max(1);
const count = z.number().int().min(0);
const nonEmpty = z.string().trim().min(1);

/** Where an assumption comes from (see METHOD.md): the paper, the authors' later code, or fgflow. */
export const AssumptionSource = z.enum(['paper', 'authors', 'ours']);
export type AssumptionSource = z.infer<typeof AssumptionSource>;
export const ASSUMPTION_SOURCES: readonly AssumptionSource[] = AssumptionSource.options;

export const Assumption = z.object({
  /** Stable identifier, e.g. 'flow-normalised'; unique within a report. */
  id: nonEmpty,
  text: nonEmpty,
  source: AssumptionSource,
});
export type Assumption = z.infer<typeof Assumption>;

/**
 * A quantity measured once per seed: the mean over seeds, a 95% interval for it (Student's t with
 * n − 1 degrees of freedom; null with fewer than two seeds), the standard deviation over seeds,
 * and the per-seed values in the order of the report's `seeds`.
 */
export const SeedStat = z
  .object({
    mean: finite,
    lo: finite.nullable(),
    hi: finite.nullable(),
    sd: finite.nullable(),
    n: z.number().int().min(1),
    values: z.array(finite),
  })
  .superRefine((s, ctx) => {
    if (s.values.length !== s.n) ctx.addIssue({ code: 'custom', message: `holds ${s.values.length} values but n is ${s.n}`, path: ['values'] });
    if (s.lo !== null && s.hi !== null && s.lo > s.hi) ctx.addIssue({ code: 'custom', message: `lo (${s.lo}) exceeds hi (${s.hi})`, path: ['lo'] });
  });
export type SeedStat = z.infer<typeof SeedStat>;

/** A SeedStat whose values (and interval, clamped) lie in [0, 1]. */
const unitStat = SeedStat.refine((s) => s.values.every((v) => v >= 0 && v <= 1) && [s.mean, s.lo ?? 0, s.hi ?? 0].every((v) => v >= 0 && v <= 1), {
  message: 'values, mean and interval must lie in [0, 1]',
});

export const RewardKind = z.enum(['pointwise', 'span', 'none']);
export type RewardKind = z.infer<typeof RewardKind>;
export const REWARD_KINDS: readonly RewardKind[] = RewardKind.options;

export const DataSummary = z.object({
  /** e.g. 'phantom' or 'Head-Neck-PET-CT manifest.csv'. */
  name: nonEmpty,
  subjects: z.number().int().min(1),
  /** Positive labels over all subjects. */
  positives: count,
  /** Split sizes (the same for every seed: the split is stratified and only its members change). */
  nTrain: z.number().int().min(1),
  nValidation: z.number().int().min(1),
  nTest: z.number().int().min(1),
  testPositives: count,
  validationPositives: count,
  /** A hash of the images, masks and labels: shards and resumed runs must agree on it. */
  fingerprint: nonEmpty,
  /** Known label rule (synthetic data only): its text and each feature's weight in it. */
  groundTruth: z
    .object({
      rule: nonEmpty,
      weights: z.record(z.string(), finite),
      /** Per variable of the rule: the measured feature that names it (null: none does, e.g. the hidden texture). */
      measuredBy: z.record(z.string(), z.string().nullable()).optional(),
    })
    .optional(),
  description: z.string().optional(),
  /** Physical units of the extent-like features ('px' or 'mm'). */
  units: z.string().optional(),
});
export type DataSummary = z.infer<typeof DataSummary>;

/** One seed's test-set summary of one feature's alignment with the model's gradient. */
export const FeatureSummary = z
  .object({
    /** Mean pointwise alignment S_i over the test images. */
    S: unit,
    /** Mean gradient-flow alignment F_i over the flow images (null when no flow reached the boundary). */
    F: unit.nullable(),
    Smedian: unit.optional(),
    Sq1: unit.optional(),
    Sq3: unit.optional(),
    /** Mean S_i over the noise baseline's mean S. */
    ratioToNoise: z.number().min(0).optional(),
    /** Empirical p-value of S_i against the noise draws. */
    pValue: unit.optional(),
    flowRatioToNoise: z.number().min(0).optional(),
    flowPValue: unit.optional(),
  })
  .superRefine((f, ctx) => {
    const { Sq1: q1, Smedian: med, Sq3: q3 } = f;
    if (q1 !== undefined && med !== undefined && q1 > med) ctx.addIssue({ code: 'custom', message: `Sq1 (${q1}) exceeds Smedian (${med})`, path: ['Sq1'] });
    if (med !== undefined && q3 !== undefined && med > q3) ctx.addIssue({ code: 'custom', message: `Smedian (${med}) exceeds Sq3 (${q3})`, path: ['Smedian'] });
  });
export type FeatureSummary = z.infer<typeof FeatureSummary>;

export const TrainingEpoch = z.object({
  epoch: count,
  trainLoss: finite,
  /** The model after the epoch, scored on the training split (without augmentation). */
  trainBalancedAccuracy: unit,
  validationBalancedAccuracy: unit,
  /** null when the validation split holds one class only. */
  validationAuc: unit.nullable(),
  /** Mean unweighted BCE on the validation split. */
  validationLoss: z.number().min(0),
});
export type TrainingEpoch = z.infer<typeof TrainingEpoch>;

/** One (λ, seed) job's results: the model chosen on validation, scored once on the test split. */
export const ModelRun = z.object({
  seed: z.number().int(),
  balancedAccuracy: unit,
  auc: unit.nullable(),
  accuracy: unit,
  /** Mean span alignment A, flow span alignment F_A and unexplained part over the test images (null: undefined on every image). */
  spanAlignment: unit.nullable(),
  flowSpanAlignment: unit.nullable(),
  unexplained: unit.nullable(),
  features: z.record(z.string(), FeatureSummary),
  /** The noise baseline's mean S and F (over test images and noise draws). */
  noise: z.object({ S: unit, F: unit.nullable(), draws: z.number().int().min(1) }),
  /** The epoch (0-based) whose parameters were kept: the best on the validation metric. */
  selectedEpoch: count,
  history: z.array(TrainingEpoch),
  /** Per-test-image values per feature, plus the key 'noise'. */
  distributions: z.record(z.string(), z.object({ S: z.array(unit), F: z.array(unit) })).optional(),
  /** Counts of notable events, e.g. { flowNotReached: 3 }. */
  flags: z.record(z.string(), count).optional(),
  /** The noise baseline of A: span alignment with as many noise features as there are features. */
  noiseSpanAlignment: unit.nullable().optional(),
  /** Feature ablation on this model: mean A of the feature set without each feature (null: undefined). */
  ablation: z.record(z.string(), unit.nullable()).optional(),
  /** Cascading parameter randomisation of this model (baseline runs): one step per re-initialised layer, from the top. */
  randomisation: z.array(z.lazy(() => RandomisationStep)).optional(),
  trainSeconds: z.number().min(0),
  measureSeconds: z.number().min(0),
});
export type ModelRun = z.infer<typeof ModelRun>;

/** The measures of a model whose top layers were re-initialised (Adebayo et al., 2018). */
export const RandomisationStep = z.object({
  /** The layers re-initialised so far, top first. */
  layers: z.array(nonEmpty).min(1),
  spanAlignment: unit.nullable(),
  /** Per feature: mean S over the noise baseline's mean S. */
  ratioToNoise: z.record(z.string(), z.number().min(0).nullable()),
  /** Per feature: mean F over the noise baseline's mean F (null without flows). */
  flowRatioToNoise: z.record(z.string(), z.number().min(0).nullable()),
  /** The noise baseline's A: span alignment with as many noise features as there are features. */
  noiseSpanAlignment: unit.nullable(),
});
export type RandomisationStep = z.infer<typeof RandomisationStep>;

export const FeatureAggregate = z.object({
  S: unitStat,
  F: unitStat.nullable(),
  ratioToNoise: SeedStat.nullable(),
  flowRatioToNoise: SeedStat.nullable(),
});
export type FeatureAggregate = z.infer<typeof FeatureAggregate>;

/** One λ over all seeds. */
export const ModelResult = z.object({
  /** Unique within a report, e.g. 'baseline', 'pointwise-λ0.1'. */
  name: nonEmpty,
  lambda: z.number().min(0),
  kind: RewardKind,
  balancedAccuracy: unitStat,
  auc: unitStat.nullable(),
  accuracy: unitStat,
  spanAlignment: unitStat.nullable(),
  flowSpanAlignment: unitStat.nullable(),
  unexplained: unitStat.nullable(),
  features: z.record(z.string(), FeatureAggregate),
  noise: z.object({ S: unitStat, F: unitStat.nullable(), draws: z.number().int().min(1) }),
  selectedEpoch: SeedStat,
  /** A over the noise baseline's A (runs' spanAlignment / noiseSpanAlignment), per seed. */
  spanRatioToNoise: SeedStat.nullable().optional(),
  /** Feature ablation: per feature, A without it and the change from the full set (≤ 0 by construction). */
  ablation: z.record(z.string(), z.object({ spanAlignment: unitStat, change: SeedStat })).optional(),
  /** Per seed, in the order of the report's `seeds`. */
  runs: z.array(ModelRun).min(1),
});
export type ModelResult = z.infer<typeof ModelResult>;

/** A paired difference (rewarded − baseline) over the seeds both ran. */
export const PairedDifference = z.object({
  mean: finite,
  lo: finite.nullable(),
  hi: finite.nullable(),
  /** Two-sided p-value of the paired t-test (null with fewer than two seeds or zero spread). */
  pValue: unit.nullable(),
  /** The p-value after Holm's correction over the report's rewarded models (null as above). */
  pHolm: unit.nullable(),
  t: finite.nullable(),
  df: count,
  differences: z.array(finite),
});
export type PairedDifference = z.infer<typeof PairedDifference>;

export const Comparison = z.object({
  baseline: nonEmpty,
  rewarded: nonEmpty,
  seeds: z.array(z.number().int()).min(1),
  /** The test, named: e.g. "paired t-test over seeds (two-sided), 95% t interval". */
  method: nonEmpty,
  spanAlignment: PairedDifference,
  flowSpanAlignment: PairedDifference.nullable(),
  balancedAccuracy: PairedDifference,
  /** Non-inferiority margin for balanced accuracy: maintained when the interval's lower end > −margin. */
  margin: z.number().min(0),
  alignmentGain: z.enum(['significant', 'not significant', 'untestable']),
  accuracy: z.enum(['maintained', 'not shown', 'untestable']),
  /** The verdict in words, as the report prints it. */
  verdict: nonEmpty,
});
export type Comparison = z.infer<typeof Comparison>;

/** What the data allow: a logistic regression on the phantom's true per-sample features. */
export const Ceiling = z.object({
  name: nonEmpty,
  features: z.array(nonEmpty).min(1),
  method: nonEmpty,
  balancedAccuracy: unitStat,
  auc: unitStat.nullable(),
});
export type Ceiling = z.infer<typeof Ceiling>;

export const Colormap = z.enum(['gray', 'diverging']);
export type Colormap = z.infer<typeof Colormap>;
export const COLORMAPS: readonly Colormap[] = Colormap.options;

const pixels = z.object({ width: z.number().int().min(1), height: z.number().int().min(1), data: z.array(finite) });
const sizeMatches = (im: { width: number; height: number; data: readonly number[]; mask?: readonly number[] | undefined }, ctx: z.RefinementCtx) => {
  const n = im.width * im.height;
  if (im.data.length !== n) ctx.addIssue({ code: 'custom', message: `has ${im.data.length} values, expected width × height = ${n}`, path: ['data'] });
  if (im.mask && im.mask.length !== n) ctx.addIssue({ code: 'custom', message: `has ${im.mask.length} values, expected width × height = ${n}`, path: ['mask'] });
};

/** A row-major image. 'gray': scaled to [min, max]; 'diverging': blue–white–red, symmetric around 0. */
export const ReportImage = pixels
  .extend({
    title: nonEmpty,
    colormap: Colormap,
    /** Optional 0/1 mask of the same size, drawn as an outline over the image. */
    mask: z.array(unit).optional(),
    caption: z.string().optional(),
  })
  .superRefine(sizeMatches);
export type ReportImage = z.infer<typeof ReportImage>;

/** A frame of the gradient-flow path (drawn in gray). */
export const FlowFrame = pixels
  .extend({
    title: nonEmpty,
    /** Arc length along the path at this frame. */
    t: z.number().min(0).optional(),
    /** Classifier probability at this frame. */
    prob: unit.optional(),
  })
  .superRefine(sizeMatches);
export type FlowFrame = z.infer<typeof FlowFrame>;

export const Example = z.object({
  id: nonEmpty,
  label: z.union([z.literal(0), z.literal(1)]),
  /** Name of a model in `models`, and the seed of its run the example comes from. */
  model: nonEmpty,
  seed: z.number().int(),
  prob: unit,
  /** Image + mask, ∇f, each ∇g_i, ∇f⊥. */
  images: z.array(ReportImage).min(1),
  flow: z.array(FlowFrame).optional(),
  measures: z
    .object({
      spanAlignment: unit,
      unexplained: unit,
      S: z.record(z.string(), unit).optional(),
      F: z.record(z.string(), unit).optional(),
    })
    .optional(),
  /** How the flow path ended: whether it reached the boundary, its length and its steps. */
  path: z.object({ reached: z.boolean(), length: z.number().min(0), steps: count }).optional(),
});
export type Example = z.infer<typeof Example>;

/** Sanity checks by randomisation: the measures must fall to the noise level for a model that learned nothing. */
export const SanityCheck = z.object({
  /** 'pass' when every feature's ratio to noise (S and F) and A's ratio to the noise span alignment stay below the threshold. */
  verdict: z.enum(['pass', 'fail']),
  threshold: z.number().min(1),
  text: nonEmpty,
});
export type SanityCheck = z.infer<typeof SanityCheck>;

export const ParameterRandomisation = SanityCheck.extend({
  /** Per cascade step (top layer first), over seeds: A, and each feature's S and F ratios to noise. */
  steps: z.array(
    z.object({
      layers: z.array(nonEmpty).min(1),
      spanAlignment: unitStat.nullable(),
      noiseSpanAlignment: unitStat.nullable(),
      /** A over the noise span's A, per seed (the ratio the verdict tests). */
      spanRatioToNoise: SeedStat.nullable().optional(),
      ratioToNoise: z.record(z.string(), SeedStat.nullable()),
      flowRatioToNoise: z.record(z.string(), SeedStat.nullable()),
    }),
  ),
});
export type ParameterRandomisation = z.infer<typeof ParameterRandomisation>;

export const Sanity = z.object({
  parameterRandomisation: ParameterRandomisation.optional(),
  /** A baseline trained on shuffled labels (train and validation), measured on the true test labels. */
  labelRandomisation: SanityCheck.extend({ model: z.lazy(() => ModelResult) }).optional(),
});
export type Sanity = z.infer<typeof Sanity>;

/** The reward trained without one feature (the paper's ablation), paired with the full reward on the same seeds. */
export const RewardAblation = z.object({
  feature: nonEmpty,
  full: nonEmpty,
  ablated: nonEmpty,
  spanAlignment: PairedDifference,
  balancedAccuracy: PairedDifference,
});
export type RewardAblation = z.infer<typeof RewardAblation>;

/** The recovery study: phantoms whose label has one cause; does the cause's feature rank first? */
export const RecoveryRow = z.object({
  /** The phantom feature the label depends on (brightness, size, logAspectRatio, texture). */
  cause: nonEmpty,
  /** The measured feature that names the cause (null for the hidden texture). */
  feature: z.string().nullable(),
  balancedAccuracy: unitStat,
  spanAlignment: unitStat.nullable(),
  unexplained: unitStat.nullable(),
  /** Per measured feature: mean S and F over the noise baseline's, with intervals over seeds. */
  ratioToNoise: z.record(z.string(), SeedStat.nullable()),
  flowRatioToNoise: z.record(z.string(), SeedStat.nullable()),
  /** Fraction of seeds in which the cause's feature has the largest F (or S, without flows), and is ≥ 10× noise. */
  rankedFirst: unit.nullable(),
  tenfold: unit.nullable(),
  verdict: z.enum(['recovered', 'not recovered', 'hidden: unexplained', 'hidden: explained', 'hidden: untested', 'not learned']),
  text: nonEmpty,
});
export type RecoveryRow = z.infer<typeof RecoveryRow>;

export const Recovery = z.object({
  features: z.array(nonEmpty).min(1),
  seeds: z.array(z.number().int()).min(1),
  /** How each row's verdict is decided. */
  criterion: nonEmpty,
  rows: z.array(RecoveryRow).min(1),
  /** Where the study's own report lives, relative to this report (when embedded in an experiment report). */
  link: z.string().optional(),
});
export type Recovery = z.infer<typeof Recovery>;

/** The paper's published figures (Jin, Garneau & Fletcher, ISBI 2022). */
export const PaperFigures = z.object({ spanAlignmentBaseline: unit, spanAlignmentRewarded: unit, balancedAccuracy: unit });
export type PaperFigures = z.infer<typeof PaperFigures>;
export const PAPER_FIGURES: PaperFigures = { spanAlignmentBaseline: 0.16, spanAlignmentRewarded: 0.19, balancedAccuracy: 0.68 };

export const Timing = z.object({ totalSeconds: z.number().min(0) }).catchall(z.number().min(0));
export type Timing = z.infer<typeof Timing>;

/** How the kept epoch was chosen (never on the test split). */
export const Selection = z.object({ metric: nonEmpty, rule: nonEmpty });
export type Selection = z.infer<typeof Selection>;

const ReportObject = z.object({
  version: z.literal(REPORT_VERSION),
  /** ISO 8601 timestamp. */
  createdAt: nonEmpty,
  /** Every option of the run (data, size, epochs, seeds, lambdas, …). */
  settings: z.record(z.string(), z.unknown()),
  assumptions: z.array(Assumption),
  data: DataSummary,
  /** The seeds, in the order every `values` and `runs` array follows. */
  seeds: z.array(z.number().int()).min(1),
  selection: Selection,
  models: z.array(ModelResult).min(1),
  comparisons: z.array(Comparison),
  ceilings: z.array(Ceiling).optional(),
  sanity: z.lazy(() => Sanity).optional(),
  rewardAblation: z.array(z.lazy(() => RewardAblation)).optional(),
  recovery: z.lazy(() => Recovery).optional(),
  /** What ran: the backend and what it reported (e.g. the thread count or gpu.js kernel class). */
  backend: z.string().optional(),
  examples: z.array(Example).optional(),
  paper: PaperFigures,
  timing: Timing,
});

const uniqueIds = (report: z.infer<typeof ReportObject>, ctx: z.RefinementCtx): void => {
  const models = new Set<string>();
  report.models.forEach((m, i) => {
    if (models.has(m.name)) ctx.addIssue({ code: 'custom', message: `duplicate model name ${JSON.stringify(m.name)}`, path: ['models', i, 'name'] });
    models.add(m.name);
    if (m.kind === 'none' && m.lambda !== 0) ctx.addIssue({ code: 'custom', message: `must be 0 for kind "none", got ${m.lambda}`, path: ['models', i, 'lambda'] });
    if (m.runs.length !== m.balancedAccuracy.n) ctx.addIssue({ code: 'custom', message: `${m.runs.length} runs but ${m.balancedAccuracy.n} seeds in balancedAccuracy`, path: ['models', i, 'runs'] });
  });
  const ids = new Set<string>();
  report.assumptions.forEach((a, i) => {
    if (ids.has(a.id)) ctx.addIssue({ code: 'custom', message: `duplicate assumption id ${JSON.stringify(a.id)}`, path: ['assumptions', i, 'id'] });
    ids.add(a.id);
  });
  const named = (path: (string | number)[], name: string) => {
    if (!models.has(name)) ctx.addIssue({ code: 'custom', message: `names no model in "models": ${JSON.stringify(name)}`, path });
  };
  report.comparisons.forEach((c, i) => {
    named(['comparisons', i, 'baseline'], c.baseline);
    named(['comparisons', i, 'rewarded'], c.rewarded);
  });
  report.examples?.forEach((ex, i) => named(['examples', i, 'model'], ex.model));
};

export const ReportSchema = ReportObject.superRefine(uniqueIds);
export type ReportJson = z.infer<typeof ReportObject>;

/** "path: what is wrong" for each problem zod found. */
export const describeIssues = (error: z.ZodError): string[] =>
  error.issues.map((issue) => `${issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)'}: ${issue.message}`);

/** Validates `x` as a report.json (version 2); Left lists every problem as "path: message". */
export const validateReport = (x: unknown): E.Either<string[], ReportJson> => {
  if (typeof x === 'object' && x !== null && 'version' in x && (x as { version: unknown }).version !== REPORT_VERSION) {
    const v = (x as { version: unknown }).version;
    return E.left([`version: this fgflow reads report.json version ${REPORT_VERSION}, got ${JSON.stringify(v)} (a version 1 report comes from fgflow 0.1: rerun the experiment)`]);
  }
  const parsed = ReportSchema.safeParse(x);
  return parsed.success ? E.right(parsed.data) : E.left(describeIssues(parsed.error));
};

/** The report's JSON Schema (draft 2020-12), as published in report.schema.json. */
export const reportJsonSchema = (): Record<string, unknown> => z.toJSONSchema(ReportObject, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
