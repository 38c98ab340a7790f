/**
 * A real tiny run's report.json with every part of the validation study (sanity checks, feature
 * and reward ablation, the embedded recovery study), and a way to add those parts to the demo
 * report so one page shows every section.
 *
 * The fixture's per-image distributions and examples were dropped to keep it small. It was written by
 *   fgflow validate   --subjects 40 --positives 10 --size 16 --crop 16 --epochs 2 --batch 8 --channels 2,4,4 --hidden 8 --seeds 3 --backend cpu --out v12
 *   fgflow experiment (the same options) --ablate-reward --recovery v12 --out y12
 * so every number in it comes from the experiment's own pipeline.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ReportJson } from '../../src/report/index.ts';

const FIXTURE = path.resolve('test/report/fixtures/tiny-run.report.json');

/** A fresh, mutable copy of the tiny run's report. */
export const loadTinyRun = (): any => JSON.parse(readFileSync(FIXTURE, 'utf8'));

/**
 * `report` with the tiny run's sanity checks, reward ablation, recovery study and per-model
 * ablations. The demo's models carry the same names and features as the tiny run's, so each
 * model's ablation finds its own; pass a demo of the same seeds (0, 1, 2) to keep every
 * per-seed list in the report's seed order.
 */
export const withValidation = (report: ReportJson): ReportJson => {
  const run = loadTinyRun();
  const out: any = structuredClone(report);
  out.sanity = run.sanity;
  out.rewardAblation = run.rewardAblation;
  out.recovery = run.recovery;
  for (const m of out.models) {
    const same = run.models.find((r: any) => r.name === m.name);
    if (same?.ablation !== undefined) m.ablation = same.ablation;
  }
  return out as ReportJson;
};
