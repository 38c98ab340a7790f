/**
 * Feature ablation, the paper's third experiment: per feature, the span alignment A of the set
 * without it, measured on the same models, and the reward trained with that feature left out,
 * paired with the full reward on the same seeds.
 */
import { color, seedsText, type Context } from './html-context.ts';
import { diff, dot, figure, lambdaText, prettyFeature, pval, signedSmall, stat, statRow, type SectionBody } from './html-parts.ts';
import { html, type Markup } from './markup.ts';
import type { ModelResult, PairedDifference, RewardAblation } from './schema.ts';
import { rowChart, type Row } from './svg.ts';

type Ablated = ModelResult & { readonly ablation: NonNullable<ModelResult['ablation']> };

const ablationTable = (ctx: Context, models: readonly Ablated[]): Markup => {
  const rows = models.flatMap((m) => {
    const features = ctx.features.filter((f) => m.ablation[f] !== undefined);
    return features.map((f, i) => {
      const a = m.ablation[f]!;
      const model = i === 0 ? html`<th scope="rowgroup" rowspan="${features.length}" class="model-cell">${dot(color(ctx, m))}${m.name}<span class="note">${lambdaText(m)}</span></th><td rowspan="${features.length}" class="num">${stat(m.spanAlignment)}</td>` : '';
      return html`<tr>${model}<td>${prettyFeature(f)}</td><td class="num">${stat(a.spanAlignment)}</td><td class="num strong">${stat(a.change, signedSmall)}</td></tr>`;
    });
  });
  return html`<div class="table-scroll"><table class="data stacked"><thead><tr><th>model</th><th class="num">A, every feature</th><th>left out</th><th class="num">A without it</th><th class="num">change in A</th></tr></thead><tbody>${rows}</tbody></table></div>`;
};

const ablationForest = (ctx: Context, models: readonly Ablated[]): Markup => {
  const rows: Row[] = models.flatMap((m) =>
    ctx.features.flatMap((f, i) => {
      const change = m.ablation[f]?.change;
      if (change === undefined) return [];
      const label = change.lo !== null && change.hi !== null ? `${signedSmall(change.mean)} [${signedSmall(change.lo)}, ${signedSmall(change.hi)}]` : signedSmall(change.mean);
      return [statRow(`without ${prettyFeature(f)}`, change, ctx.featureColors.get(f) ?? '#333', { label, ...(i === 0 ? { group: m.name } : {}) })];
    }),
  );
  return rowChart({ title: 'Change in span alignment A when one feature is left out of the set', rows, xLabel: 'A without the feature − A with every feature (same model)', style: 'point', width: 760, rowHeight: 24, vLines: [{ at: 0, label: 'no change', color: '#6b7280' }], className: 'ablation' });
};

const pairedCells = (d: PairedDifference): Markup => html`<td class="num">${diff(d, signedSmall)}</td><td class="num">${pval(d.pValue)}</td>`;

const rewardAblationTable = (ctx: Context, ablations: readonly RewardAblation[]): Markup => {
  const rows = ablations.map((a) => {
    const full = ctx.byName.get(a.full);
    return html`<tr><th scope="row">${prettyFeature(a.feature)}</th><td class="model-cell">${full ? dot(color(ctx, full)) : ''}${a.full}<span class="note">${full ? lambdaText(full) : ''} · ablated run: ${a.ablated}</span></td>${pairedCells(a.spanAlignment)}${pairedCells(a.balancedAccuracy)}</tr>`;
  });
  return html`<div class="table-scroll"><table class="data"><thead><tr><th>left out of the reward</th><th>full reward</th><th class="num">ΔA [95% CI]</th><th class="num">p</th><th class="num">Δ balanced accuracy [95% CI]</th><th class="num">p</th></tr></thead><tbody>${rows}</tbody></table></div>`;
};

export const ablationSection = (ctx: Context): SectionBody | null => {
  const models = ctx.models.filter((m): m is Ablated => m.ablation !== undefined && Object.keys(m.ablation).length > 0);
  const rewards = ctx.report.rewardAblation ?? [];
  if (models.length === 0 && rewards.length === 0) return null;
  const measured = models.length === 0
    ? ''
    : html`${figure('ablation-table', ablationTable(ctx, models), html`Per model, A recomputed on the same test images with one feature removed from the set, and the change from A with every feature: means over ${seedsText(ctx)} with 95% intervals (hover for the seeds). A subset spans less, so the change is never positive; the larger the drop, the more of the gradient only that feature accounts for.`, 'figure-table')}${figure('ablation-forest', ablationForest(ctx, models), html`The changes as a forest plot: the point is the mean over seeds with its 95% interval, each dot a seed.`)}`;
  const retrained = rewards.length === 0
    ? ''
    : figure('reward-ablation', rewardAblationTable(ctx, rewards), html`The reward retrained without one feature, at the λ of the full reward, against the full reward on the same seeds: paired differences (ablated − full) with 95% t intervals and two-sided paired t-test p-values (uncorrected). A negative ΔA means the left-out feature’s term in the reward was pulling the gradient towards the features.`, 'figure-table');
  return {
    title: 'Feature ablation',
    lead: 'The paper’s third experiment: leave each interpretable feature out in turn and see what the alignment loses, both in measuring a trained model and in training with the reward.',
    body: html`${measured}${retrained}`,
  };
};
