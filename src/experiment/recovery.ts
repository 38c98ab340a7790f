/**
 * The recovery study (`fgflow validate`): do the measures find what the model uses? On phantoms
 * whose label has a single cause (brightness, size, log aspect ratio, or the hidden texture), a
 * baseline is trained over several seeds and S, F and A of every feature are measured against the
 * noise baseline. The recovery matrix has the true cause as rows and the measured features as
 * columns; a visible cause is recovered when its feature ranks first by F in at least 95% of the
 * seeds at ten times the noise level or more. For the hidden texture no feature names the cause, so
 * A must stay low and the unexplained part high: the model uses something nobody named.
 *
 * Each cause is an experiment of its own (its jobs, checkpoints and results under
 * `<out>/causes/<cause>/`), so the study resumes, shards and merges like any experiment.
 */
import { join } from 'node:path';
import { PHANTOM_FEATURES } from '../data/phantom.ts';
import type { ModelResult, Recovery, RecoveryRow, ReportJson } from '../report/schema.ts';
import { nonEmptyDir } from './files.ts';
import { CAUSE_FEATURE } from './cause-features.ts';
export { CAUSE_FEATURE };
import { planExperiment } from './context.ts';
import { checkBudget } from './estimate.ts';
import { ExperimentError } from './errors.ts';
import type { Environment } from './context.ts';
import { runExperiment, type ExperimentResult } from './run.ts';
import type { ExperimentOptions } from './options.ts';
import type { ProgressSink } from './progress.ts';

export const CAUSES: readonly string[] = PHANTOM_FEATURES;

export const RANK_FIRST_SHARE = 0.95;
export const TENFOLD = 10;

export function checkCauses(causes: readonly string[]): void {
  const unknown = causes.filter((c) => !CAUSES.includes(c));
  if (unknown.length) throw new ExperimentError('usage', `unknown cause${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; choose from ${CAUSES.join(', ')}`);
  if (causes.length === 0) throw new ExperimentError('usage', '--causes must list at least one cause');
  if (new Set(causes).size !== causes.length) throw new ExperimentError('usage', `--causes repeats a cause: ${causes.join(',')}`);
}

/** The study's options for one cause: a baseline only, on a phantom whose label is that cause plus noise. */
export function causeOptions(o: ExperimentOptions, cause: string): ExperimentOptions {
  return { ...o, phantomWeights: { [cause]: 1 }, lambdas: [0], sanity: false, ablateReward: false, examples: 0, out: join(o.out, 'causes', cause) };
}

/** Per seed: does `feature` have the largest F (S when no flow reached) among the features, and is it ≥ 10× noise? */
function seedVerdicts(model: ModelResult, feature: string): { first: boolean; tenfold: boolean }[] {
  return model.runs.map((run) => {
    const score = (f: string) => run.features[f]?.F ?? run.features[f]?.S ?? 0;
    const ratio = run.features[feature]?.flowRatioToNoise ?? run.features[feature]?.ratioToNoise ?? 0;
    const first = Object.keys(run.features).every((f) => f === feature || score(f) < score(feature));
    return { first, tenfold: ratio >= TENFOLD };
  });
}

/**
 * Whether the models learned the label at all: the lower end of balanced accuracy's 95% interval
 * over seeds lies above chance (0.5); with one seed, the mean does. A row whose models did not
 * learn it says nothing about the measures, whatever they find.
 */
export function learnedTheLabel(model: ModelResult): boolean {
  const ba = model.balancedAccuracy;
  return (ba.lo ?? ba.mean) > 0.5;
}

function notLearned(base: Omit<RecoveryRow, 'rankedFirst' | 'tenfold' | 'verdict' | 'text'>): RecoveryRow {
  const ba = base.balancedAccuracy;
  const interval = ba.lo === null || ba.hi === null ? '' : ` [${ba.lo.toFixed(3)}, ${ba.hi.toFixed(3)}]`;
  return {
    ...base,
    rankedFirst: null,
    tenfold: null,
    verdict: 'not learned',
    text: `The models did not learn this label (balanced accuracy ${ba.mean.toFixed(3)}${interval}, not above chance), so what the measures find here cannot show whether they recover its cause.`,
  };
}

function rowFor(cause: string, model: ModelResult, visibleA: readonly number[]): RecoveryRow {
  const feature = CAUSE_FEATURE[cause] ?? null;
  const features = Object.keys(model.features);
  const base = {
    cause,
    feature,
    balancedAccuracy: model.balancedAccuracy,
    spanAlignment: model.spanAlignment,
    unexplained: model.unexplained,
    ratioToNoise: Object.fromEntries(features.map((f) => [f, model.features[f]!.ratioToNoise])),
    flowRatioToNoise: Object.fromEntries(features.map((f) => [f, model.features[f]!.flowRatioToNoise])),
  };
  const n = model.runs.length;
  if (!learnedTheLabel(model)) return notLearned(base);
  if (feature === null && visibleA.length === 0) {
    return {
      ...base,
      rankedFirst: null,
      tenfold: null,
      verdict: 'hidden: untested',
      text: 'The label depends on the hidden texture only, but no visible cause whose models learned their label is in the study, so there is no A to hold the texture\'s against.',
    };
  }
  if (feature === null) {
    const a = model.spanAlignment?.mean ?? 0;
    const unexplained = visibleA.every((v) => a < v);
    return {
      ...base,
      rankedFirst: null,
      tenfold: null,
      verdict: unexplained ? 'hidden: unexplained' : 'hidden: explained',
      text: `The label depends on the hidden texture only: A is ${a.toFixed(3)} (${((model.unexplained?.mean ?? 1) * 100).toFixed(0)}% unexplained)${visibleA.length ? `, ${unexplained ? 'below' : 'not below'} every visible cause's A (${visibleA.map((v) => v.toFixed(3)).join(', ')})` : ''}: ${unexplained ? 'the measures say the model uses something the features do not name' : 'the named features seem to explain a model that uses none of them'}.`,
    };
  }
  const verdicts = seedVerdicts(model, feature);
  const rankedFirst = verdicts.filter((v) => v.first).length / n;
  const tenfold = verdicts.filter((v) => v.first && v.tenfold).length / n;
  const recovered = tenfold >= RANK_FIRST_SHARE;
  return {
    ...base,
    rankedFirst,
    tenfold,
    verdict: recovered ? 'recovered' : 'not recovered',
    text: `${feature} ranks first by F in ${verdicts.filter((v) => v.first).length} of ${n} seeds, first and ≥ ${TENFOLD}× noise in ${verdicts.filter((v) => v.first && v.tenfold).length}: ${recovered ? 'recovered' : `not recovered (the criterion is ≥ ${RANK_FIRST_SHARE * 100}% of seeds)`}.`,
  };
}

export function recoveryOf(byCause: ReadonlyMap<string, ModelResult>, seeds: readonly number[]): Recovery {
  const visibleA = [...byCause].filter(([c, m]) => CAUSE_FEATURE[c] !== null && learnedTheLabel(m)).map(([, m]) => m.spanAlignment?.mean ?? 0);
  const first = byCause.values().next().value as ModelResult;
  return {
    features: Object.keys(first.features),
    seeds: [...seeds],
    criterion: `a visible cause is recovered when its feature has the largest F (the arc-length mean of S along the flow) and F ≥ ${TENFOLD}× the noise baseline in at least ${RANK_FIRST_SHARE * 100}% of the seeds; the hidden texture is unexplained when its A is below every visible cause's; a row whose models do not beat chance (balanced accuracy's 95% interval reaching 0.5) is not learned, and tests nothing`,
    rows: [...byCause].map(([cause, model]) => rowFor(cause, model, visibleA)),
  };
}

function withoutGroundTruth(data: ReportJson['data']): ReportJson['data'] {
  const { groundTruth: _gt, ...rest } = data;
  return rest;
}

export interface StudyResult {
  readonly report: ReportJson;
  readonly causes: ReadonlyMap<string, ExperimentResult>;
}

/** Runs (or resumes) every cause's experiment and assembles the study's report. */
export async function runRecoveryStudy(o: ExperimentOptions, causes: readonly string[], progress: ProgressSink, env: Environment): Promise<StudyResult> {
  checkCauses(causes);
  if (o.shard) throw new ExperimentError('usage', 'validate runs whole studies: split one across machines with --causes instead of --shard');
  if (o.budgetMinutes !== undefined) {
    const { data, plan } = planExperiment(causeOptions(o, causes[0]!), env);
    const perCause = checkBudget({ ...o, budgetMinutes: Infinity }, data, plan.jobs)!;
    if (perCause * causes.length > o.budgetMinutes * 60) {
      throw new ExperimentError('plan', `the study needs about ${((perCause * causes.length) / 60).toFixed(1)} min for ${causes.length} causes × ${o.seeds.length} seeds (timed on this machine), more than --budget ${o.budgetMinutes} min: lower --seeds, --epochs or --causes, or raise --budget`);
    }
    progress.log(`estimated ${((perCause * causes.length) / 60).toFixed(1)} min (within --budget ${o.budgetMinutes} min)`);
  }
  if (nonEmptyDir(o.out) && !o.resume && !o.force) throw new ExperimentError('usage', `${o.out} already holds files; pass --resume to continue the study in it, --force to replace its results, or another --out`);
  const results = new Map<string, ExperimentResult>();
  for (const cause of causes) {
    progress.log(`recovery study: label = ${cause} (+ noise)`);
    results.set(cause, await runExperiment({ ...causeOptions(o, cause), budgetMinutes: undefined }, progress, env));
  }
  const models = new Map([...results].map(([c, r]) => [c, { ...r.report!.models[0]!, name: `cause-${c}` }]));
  const recovery = recoveryOf(models, o.seeds);
  const first = results.get(causes[0]!)!.report!;
  const report: ReportJson = {
    ...first,
    settings: { ...first.settings, phantomWeights: 'one cause per row (see recovery)', causes: [...causes] },
    // Each row has a rule of its own (one cause): the recovery section states them, not one ground truth.
    data: { ...withoutGroundTruth(first.data), name: 'single-cause phantoms', description: `Phantoms whose label is one feature plus noise (${causes.join(', ')}); ${first.data.subjects} subjects each.` },
    models: [...models.values()],
    comparisons: [],
    examples: [],
    recovery,
  };
  return { report, causes: results };
}

