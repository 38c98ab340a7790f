/**
 * `fgflow report --merge DIR…`: the report of a sweep whose jobs ran as shards (on one machine or
 * as an array job on a scheduler). Every shard's results must come from the same plan (settings and
 * data); the merged report is what one unsharded run would have written.
 */
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ReportJson } from '../report/schema.ts';
import { assembleReport } from './assemble.ts';
import { ExperimentError } from './errors.ts';
import { parseResultFile, RESULT_FILE, type JobResult } from './job.ts';
import { settingDifferences } from './plan.ts';

async function resultsIn(dir: string): Promise<JobResult[]> {
  const jobs = join(dir, 'jobs');
  if (!existsSync(jobs)) throw new ExperimentError('incomplete', `${dir} holds no job results (no jobs/ folder): is it the --out of an fgflow experiment shard?`);
  const out: JobResult[] = [];
  for (const entry of (await fs.readdir(jobs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = join(jobs, entry.name, RESULT_FILE);
    if (entry.isDirectory() && existsSync(file)) out.push(await parseResultFile(file));
  }
  return out;
}

export async function mergeShards(dirs: readonly string[]): Promise<ReportJson> {
  if (dirs.length === 0) throw new ExperimentError('usage', 'report --merge needs at least one shard folder');
  const perDir = await Promise.all(dirs.map(async (d) => ({ dir: d, results: await resultsIn(d) })));
  const all = perDir.flatMap((p) => p.results.map((r) => ({ dir: p.dir, r })));
  if (all.length === 0) throw new ExperimentError('incomplete', `no job results in ${dirs.join(', ')}`);
  const reference = all[0]!;
  for (const { dir, r } of all) {
    if (r.planFingerprint !== reference.r.planFingerprint) {
      const differences = settingDifferences(reference.r.settings, r.settings);
      if (r.dataFingerprint !== reference.r.dataFingerprint) differences.unshift(`data: fingerprint ${r.dataFingerprint} there, ${reference.r.dataFingerprint} here`);
      throw new ExperimentError('mismatch', `${dir} (job ${r.job.id}) was run with other settings than ${reference.dir} (${differences.join('; ') || 'the plans differ'}); merge only shards of one run`);
    }
  }
  const byJob = new Map<string, JobResult>();
  for (const { r } of all) if (!byJob.has(r.job.id)) byJob.set(r.job.id, r);
  const results = [...byJob.values()];
  const timing: Record<string, number> = { totalSeconds: results.reduce((s, r) => s + r.run.trainSeconds + r.run.measureSeconds, 0) };
  for (const r of results) timing[`train:${r.job.id}`] = r.run.trainSeconds;
  return assembleReport({ settings: reference.r.settings, results, timing });
}
