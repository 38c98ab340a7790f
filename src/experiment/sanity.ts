/**
 * The sanity checks by randomisation (Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS
 * 2018) and the reward ablation, assembled over seeds. A measure that explains a model must fall to
 * the noise level for a model that learned nothing: a trained baseline whose layers are re-initialised
 * one by one from the top, and a baseline trained on shuffled labels.
 */
import type { ModelResult, ParameterRandomisation, RandomisationStep, RewardAblation, Sanity, SanityCheck, SeedStat } from '../report/schema.ts';
import { aggregateModel, paired, POSITIVE, stat, UNIT } from './aggregate.ts';
import { isSweep, type ModelGroup } from './groups.ts';

/** "The noise level": within this factor of the noise baseline. Fixed before any check was run. */
export const NOISE_FACTOR = 3;

const fmt = (s: SeedStat | null) => (s === null ? '–' : `${s.mean.toFixed(2)}×`);

/** Whether every measured ratio (features' S and F to noise, and A to the noise span) is within the factor. */
function atNoiseLevel(ratios: readonly (SeedStat | null)[]): boolean {
  return ratios.every((r) => r === null || r.mean <= NOISE_FACTOR);
}

function aStat(what: string, vs: readonly (number | null)[]): SeedStat | null {
  return stat(what, vs, UNIT);
}

function parameterRandomisation(baseline: ModelGroup): ParameterRandomisation | undefined {
  const runs = baseline.results.map((r) => r.run.randomisation ?? []);
  if (runs.some((r) => r.length === 0)) return undefined;
  const steps = runs[0]!.map((first, k) => {
    const at = (pick: (s: RandomisationStep) => number | null) => runs.map((r) => (r[k] ? pick(r[k]!) : null));
    const features = Object.keys(first.ratioToNoise);
    return {
      layers: first.layers,
      spanAlignment: aStat('randomised A', at((s) => s.spanAlignment)),
      spanRatioToNoise: stat('randomised A/noise A', at((s) => (s.spanAlignment !== null && s.noiseSpanAlignment ? s.spanAlignment / s.noiseSpanAlignment : null)), POSITIVE),
      noiseSpanAlignment: aStat('noise A', at((s) => s.noiseSpanAlignment)),
      ratioToNoise: Object.fromEntries(features.map((f) => [f, stat(`randomised S/noise of ${f}`, at((s) => s.ratioToNoise[f] ?? null), POSITIVE)])),
      flowRatioToNoise: Object.fromEntries(features.map((f) => [f, stat(`randomised F/noise of ${f}`, at((s) => s.flowRatioToNoise[f] ?? null), POSITIVE)])),
    };
  });
  const last = steps[steps.length - 1]!;
  const aRatio = stat('randomised A/noise A', runs.map((r) => {
    const s = r[r.length - 1]!;
    return s.spanAlignment !== null && s.noiseSpanAlignment ? s.spanAlignment / s.noiseSpanAlignment : null;
  }), POSITIVE);
  const ratios = [aRatio, ...Object.values(last.ratioToNoise), ...Object.values(last.flowRatioToNoise)];
  const verdict = atNoiseLevel(ratios) ? 'pass' : 'fail';
  const worst = Object.entries(last.ratioToNoise).map(([f, r]) => `${f} S ${fmt(r)}`).join(', ');
  const text = `With every layer re-initialised (${last.layers.join(', ')}), A is ${fmt(aRatio)} the noise span's and ${worst} the noise level (means over ${baseline.results.length} seeds): ${verdict === 'pass' ? `all within ${NOISE_FACTOR}× of noise` : `not all within ${NOISE_FACTOR}× of noise, so part of what the measures find does not come from what the model learned`}.${fallOfA(baseline, last.spanAlignment)}`;
  return { verdict, threshold: NOISE_FACTOR, text, steps };
}

/** How far A itself falls from the trained baseline to the fully re-initialised one: the randomised network as the stricter null. */
function fallOfA(baseline: ModelGroup, randomised: SeedStat | null): string {
  const trained = aStat('trained A', baseline.results.map((r) => r.run.spanAlignment));
  if (trained === null || randomised === null) return '';
  const a = (v: number) => v.toPrecision(3);
  if (randomised.mean >= trained.mean) return ` A itself does not fall: ${a(trained.mean)} trained, ${a(randomised.mean)} re-initialised.`;
  if (randomised.mean <= 0) return ` A itself falls from ${a(trained.mean)} (trained) to 0.`;
  return ` A itself falls from ${a(trained.mean)} (trained) to ${a(randomised.mean)}, ${(trained.mean / randomised.mean).toFixed(1)}× lower.`;
}

function labelRandomisation(shuffled: ModelGroup): (SanityCheck & { model: ModelResult }) {
  const model = aggregateModel('shuffled-labels', 0, 'none', shuffled.results.map((r) => r.run));
  const aRatio = stat('shuffled A/noise A', shuffled.results.map((r) => (r.run.spanAlignment !== null && r.run.noiseSpanAlignment ? r.run.spanAlignment / r.run.noiseSpanAlignment : null)), POSITIVE);
  const ratios = [aRatio, ...Object.values(model.features).flatMap((f) => [f.ratioToNoise, f.flowRatioToNoise])];
  const verdict = atNoiseLevel(ratios) ? 'pass' : 'fail';
  const worst = Object.entries(model.features).map(([f, a]) => `${f} S ${fmt(a.ratioToNoise)}`).join(', ');
  const text = `A baseline trained on shuffled labels reaches balanced accuracy ${model.balancedAccuracy.mean.toFixed(3)} on the true test labels; ${worst} the noise level: ${verdict === 'pass' ? `all within ${NOISE_FACTOR}× of noise` : `not all within ${NOISE_FACTOR}× of noise, so the measures find structure in a model that learned no label`}.`;
  return { verdict, threshold: NOISE_FACTOR, text, model };
}

export function sanityOf(groups: readonly ModelGroup[], _models: readonly ModelResult[]): Sanity | undefined {
  const baseline = groups.find((g) => g.kind === 'none' && isSweep(g));
  const shuffled = groups.find((g) => g.kind === 'shuffled-labels');
  const params = baseline ? parameterRandomisation(baseline) : undefined;
  if (!params && !shuffled) return undefined;
  return { ...(params ? { parameterRandomisation: params } : {}), ...(shuffled ? { labelRandomisation: labelRandomisation(shuffled) } : {}) };
}

/** Each reward trained without one feature, paired with the full reward of the same λ on the same seeds. */
export function rewardAblationOf(groups: readonly ModelGroup[]): RewardAblation[] {
  return groups
    .filter((g) => g.rewardFeatures)
    .flatMap((g) => {
      const full = groups.find((h) => isSweep(h) && h.lambda === g.lambda && h.kind === g.kind);
      if (!full) return [];
      const all = Object.keys(full.results[0]!.run.features);
      const feature = all.find((f) => !g.rewardFeatures!.includes(f)) ?? '?';
      const A = paired(`A (${g.name})`, full.results.map((r) => r.run), g.results.map((r) => r.run), (r) => r.spanAlignment);
      const BA = paired(`balanced accuracy (${g.name})`, full.results.map((r) => r.run), g.results.map((r) => r.run), (r) => r.balancedAccuracy);
      if (!A || !BA) return [];
      return [{ feature, full: full.name, ablated: g.name, spanAlignment: { ...A, pHolm: null }, balancedAccuracy: { ...BA, pHolm: null } }];
    });
}
