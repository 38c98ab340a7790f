/** The experiment's result as the terminal prints it: each model's means with their 95% intervals, and the paired verdicts. */
import type { ReportJson, SeedStat } from '../report/schema.ts';

/** "0.812 [0.771, 0.853]" (the mean and its 95% interval over seeds), or the mean alone for one seed. */
export function withInterval(s: SeedStat | null, digits = 3): string {
  if (!s) return '–';
  const f = (v: number) => v.toFixed(digits);
  return s.lo === null || s.hi === null ? f(s.mean) : `${f(s.mean)} [${f(s.lo)}, ${f(s.hi)}]`;
}

export function summaryLines(report: ReportJson): string[] {
  const n = report.seeds.length;
  const lines = [`means over ${n} seed${n === 1 ? '' : 's'} (${report.seeds.join(', ')}), with 95% intervals; the kept epoch chosen on ${report.selection.metric}:`];
  for (const m of report.models) {
    const features = Object.entries(m.features).map(([k, v]) => `${k} S ${withInterval(v.S, 4)}`).join('  ');
    lines.push(`  ${m.name.padEnd(18)} bal.acc ${withInterval(m.balancedAccuracy)}  AUC ${withInterval(m.auc)}  A ${withInterval(m.spanAlignment)}  F_A ${withInterval(m.flowSpanAlignment)}  ${features}  noise S ${withInterval(m.noise.S, 4)}`);
  }
  for (const c of report.ceilings ?? []) lines.push(`  ceiling (${c.name}): bal.acc ${withInterval(c.balancedAccuracy)}`);
  for (const c of report.comparisons) lines.push(`  ${c.verdict}`);
  return lines;
}
