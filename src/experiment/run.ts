/** Running an experiment: plan, refuse or prepare --out, run the jobs, assemble and write the report. */
import { existsSync, promises as fs } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { join, relative } from 'node:path';
import { readReport, writeReport, type ReportJson } from '../report/node.ts';
import { assembleReport } from './assemble.ts';
import { ExperimentError } from './errors.ts';
import { makeDir, nonEmptyDir, removeEmptyDirs, removeStaleTemporaries, writeFileAtomic, ioError } from './files.ts';
import type { ExperimentData } from './data.ts';
import { checkBudget } from './estimate.ts';
import { type JobContext, type JobResult } from './job.ts';
import { defaultExperimentOptions, validateOptions, type ExperimentOptions } from './options.ts';
import { settingDifferences, shardJobs, type Plan } from './plan.ts';
import { planExperiment, type Environment } from './context.ts';
import type { ProgressSink } from './progress.ts';
import { interrupted } from './interrupt.ts';
import { runJobs } from './runner.ts';

export const PLAN_FILE = 'plan.json';
/** What this package writes into --out; --force replaces exactly these. */
const OWN_OUTPUTS = ['jobs', PLAN_FILE, 'report.json', 'report.html'];

export interface ExperimentResult {
  /** Null for a shard, whose results a merge assembles. */
  readonly report: ReportJson | null;
  readonly files: { readonly json: string; readonly html: string } | null;
  readonly results: readonly JobResult[];
}

/** Refuses a non-empty --out unless --resume or --force says what to do with it. */
async function prepareOut(o: ExperimentOptions): Promise<void> {
  if (nonEmptyDir(o.out) && !o.resume && !o.force) {
    throw new ExperimentError('usage', `${o.out} already holds files; pass --resume to continue the run in it, --force to replace its results, or another --out`);
  }
  if (o.force) for (const name of OWN_OUTPUTS) await fs.rm(join(o.out, name), { recursive: true, force: true }).catch((e) => Promise.reject(ioError('remove', join(o.out, name), e)));
  await makeDir(o.out);
  if (o.resume) await removeStaleTemporaries(o.out);
}

/** The plan recorded in --out: a resumed run must have the same settings and data. */
async function recordPlan(o: ExperimentOptions, plan: Plan): Promise<void> {
  const file = join(o.out, PLAN_FILE);
  if (existsSync(file)) {
    const theirs = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Plan>;
    if (theirs.fingerprint !== plan.fingerprint) {
      const differences = settingDifferences(plan.settings, theirs.settings ?? {});
      if (theirs.dataFingerprint !== plan.dataFingerprint) differences.unshift(`data: fingerprint ${theirs.dataFingerprint} there, ${plan.dataFingerprint} here`);
      throw new ExperimentError('mismatch', `${o.out} holds a run with other settings (${differences.join('; ')}); rerun with its options, or use --force to replace it`);
    }
    return;
  }
  await writeFileAtomic(file, JSON.stringify({ settings: plan.settings, fingerprint: plan.fingerprint, dataFingerprint: plan.dataFingerprint, jobs: plan.jobs.map((j) => j.id) }, null, 2));
}

export async function runExperiment(options: Partial<ExperimentOptions>, progress: ProgressSink, env: Environment): Promise<ExperimentResult> {
  const o: ExperimentOptions = { ...defaultExperimentOptions, ...options };
  validateOptions(o);
  const t0 = performance.now();
  const { data, plan } = planExperiment(o, env);
  const estimate = checkBudget(o, data, shardJobs(plan.jobs, o.shard));
  if (estimate !== null) progress.log(`estimated ${(estimate / 60).toFixed(1)} min for the jobs (within --budget ${o.budgetMinutes} min)`);
  const createdOut = !existsSync(o.out);
  const planFile = join(o.out, PLAN_FILE);
  const hadPlan = existsSync(planFile);
  await prepareOut(o);
  try {
    return await runPlanned(o, plan, data, progress, env, t0);
  } catch (e) {
    // A failed run keeps what it finished, never the empty folders (or the plan of nothing) it made on the way.
    if ((e as { code?: string }).code !== 'interrupted') {
      await removeEmptyDirs(o.out, createdOut);
      if (!hadPlan && !existsSync(join(o.out, 'jobs'))) {
        await fs.rm(planFile, { force: true });
        await removeEmptyDirs(o.out, createdOut);
      }
    }
    throw e;
  }
}

async function runPlanned(o: ExperimentOptions, plan: Plan, data: ExperimentData, progress: ProgressSink, env: Environment, t0: number): Promise<ExperimentResult> {
  await recordPlan(o, plan);
  const jobs = shardJobs(plan.jobs, o.shard);
  progress.log(
    `fgflow experiment: ${o.data ?? `phantom (${o.subjects} subjects, data seed ${o.dataSeed})`}, ${o.size}², λ ∈ {${o.lambdas.join(', ')}}, seeds ${o.seeds.join(',')}, ` +
      `${jobs.length} job${jobs.length === 1 ? '' : 's'}${o.shard ? ` (shard ${o.shard.index}/${o.shard.count} of ${plan.jobs.length})` : ''}, backend ${env.backend}`,
  );
  const context: JobContext = { options: o, plan, data, backend: env.backend, progress };
  const results = await runJobs({ context, jobs, parallel: o.jobs, ...(env.launchWorker ? { launchWorker: env.launchWorker } : {}) });
  if (o.shard) {
    progress.log(`shard ${o.shard.index}/${o.shard.count}: ${results.length} job results in ${join(o.out, 'jobs')}; assemble the report with fgflow report --merge DIR…`);
    return { report: null, files: null, results };
  }
  if (o.signal?.aborted) throw interrupted(o.out);
  const assembled = assembleReport({ settings: plan.settings, results, timing: timingOf(results, t0) });
  const report = await withRecovery(assembled, o, progress);
  const files = await writeReportFiles(report, o.out);
  return { report, files, results };
}

/** The report with a recovery study's matrix embedded and linked, when --recovery names a folder holding one. */
async function withRecovery(report: ReportJson, o: ExperimentOptions, progress: ProgressSink): Promise<ReportJson> {
  if (!o.recovery) return report;
  const file = join(o.recovery, 'report.json');
  if (!existsSync(file)) {
    progress.log(`no recovery study in ${o.recovery} (run fgflow validate --out ${o.recovery} to make one)`);
    return report;
  }
  const study = await readReport(file);
  if (E.isLeft(study) || !study.right.recovery) throw new ExperimentError('mismatch', `${file} is not the report of a recovery study (fgflow validate): ${E.isLeft(study) ? study.left[0] : 'it has no recovery section'}`);
  return { ...report, recovery: { ...study.right.recovery, link: relative(o.out, join(o.recovery, 'report.html')) } };
}

export function timingOf(results: readonly JobResult[], t0: number): Record<string, number> {
  const timing: Record<string, number> = { totalSeconds: (performance.now() - t0) / 1000 };
  for (const r of results) timing[`train:${r.job.id}`] = r.run.trainSeconds;
  return timing;
}

export async function writeReportFiles(report: ReportJson, out: string): Promise<{ json: string; html: string }> {
  try {
    return await writeReport(report, out);
  } catch (e) {
    if (e instanceof ExperimentError) throw e;
    throw ioError('write the report into', out, e);
  }
}

