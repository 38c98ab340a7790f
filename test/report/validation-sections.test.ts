/**
 * The report's sections on validating the measures (issue 12): sanity checks by randomisation,
 * feature and reward ablation, the recovery matrix and what S measures on a mixed rule, rendered
 * from a real tiny run's report.json (./validation-fixture.ts); the tests change only what a case
 * needs (a verdict, a link, a missing part).
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { sampleReport } from '../../src/experiment/demo.ts';
import { isRelativePath } from '../../src/report/html-recovery.ts';
import { escapeText, renderHtml, SECTIONS, validateReport, type ReportJson, type SeedStat } from '../../src/report/index.ts';
import { fmt, ratioColor, xyPlot } from '../../src/report/svg.ts';
import { loadTinyRun as loadFixture, withValidation } from './validation-fixture.ts';

const render = (r: unknown): string => renderHtml(r as ReportJson);

const sectionOf = (h: string, id: string): string => {
  const at = h.indexOf(`<section id="${id}"`);
  if (at < 0) throw new Error(`no section #${id}`);
  return h.slice(at, h.indexOf('</section>', at));
};
const has = (h: string, id: string): boolean => h.includes(`<section id="${id}"`) && h.includes(`<a href="#${id}">`);
const count = (h: string, re: RegExp): number => [...h.matchAll(re)].length;
const svgsOf = (h: string, cls: string): string[] => [...h.matchAll(/<svg class="plot ([^"]*)"[\s\S]*?<\/svg>/g)].filter((m) => (m[1] as string).split(' ').includes(cls)).map((m) => m[0]);
const figureOf = (h: string, kind: string): string => {
  const at = h.indexOf(`data-figure="${kind}"`);
  if (at < 0) throw new Error(`no figure ${kind}`);
  return h.slice(at, h.indexOf('</figure>', at));
};
/** How a ratio to noise prints: the mean, then its interval. */
const ratioText = (s: SeedStat): string => `${fmt(s.mean)}×</span>${s.lo !== null && s.hi !== null ? ` <span class="ci">[${fmt(s.lo)}×, ${fmt(s.hi)}×]</span>` : ''}`;
const signedSmall = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v) !== 0 && Math.abs(v) < 0.01 ? fmt(Math.abs(v), 2) : Math.abs(v).toFixed(3)}`;

const NEW_SECTIONS = ['ablation', 'sanity', 'recovery', 'mixed-rule'];

describe('the fixture', () => {
  it('is a valid report.json holding every part these sections show', () => {
    const r = loadFixture();
    expect(E.isRight(validateReport(r))).toBe(true);
    expect(r.sanity.parameterRandomisation.steps.length).toBeGreaterThan(1);
    expect(r.sanity.labelRandomisation.model.runs.length).toBe(r.seeds.length);
    expect(r.rewardAblation.length).toBeGreaterThan(0);
    expect(r.recovery.rows.length).toBe(4);
    expect(r.models.every((m: any) => m.ablation !== undefined)).toBe(true);
  });
});

describe('which sections appear', () => {
  it('the page lists the new sections after the distributions, the recovery matrix right before what S measures', () => {
    const ids = SECTIONS.map((s) => s.id);
    expect(ids.slice(ids.indexOf('distributions') + 1, ids.indexOf('examples'))).toEqual(['ablation', 'sanity', 'ground-truth', 'recovery', 'mixed-rule']);
  });

  it('a report with every part gets every section, each in the navigation', () => {
    const h = render(loadFixture());
    for (const id of NEW_SECTIONS) expect(has(h, id), id).toBe(true);
    const demo = withValidation(sampleReport({ examples: 1, seeds: [0, 1, 2] }));
    expect(E.isRight(validateReport(demo))).toBe(true);
    for (const { id } of SECTIONS) expect(has(render(demo), id), id).toBe(true);
  });

  it('the demo report, without sanity, ablation or recovery, leaves those sections out and keeps what S measures', () => {
    const h = render(sampleReport({ examples: 0 }));
    for (const id of ['ablation', 'sanity', 'recovery']) {
      expect(h).not.toContain(`<section id="${id}"`);
      expect(h).not.toContain(`href="#${id}"`);
    }
    expect(has(h, 'mixed-rule')).toBe(true);
  });

  it('each part on its own brings its own section only', () => {
    const full = loadFixture();
    const bare = (): any => {
      const r = structuredClone(full);
      delete r.sanity;
      delete r.rewardAblation;
      delete r.recovery;
      for (const m of r.models) delete m.ablation;
      delete r.data.groundTruth;
      return r;
    };
    expect(NEW_SECTIONS.filter((id) => has(render(bare()), id))).toEqual([]);
    const only = (set: (r: any) => void): string[] => {
      const r = bare();
      set(r);
      return NEW_SECTIONS.filter((id) => has(render(r), id));
    };
    expect(only((r) => (r.sanity = { labelRandomisation: full.sanity.labelRandomisation }))).toEqual(['sanity']);
    expect(only((r) => (r.sanity = { parameterRandomisation: full.sanity.parameterRandomisation }))).toEqual(['sanity']);
    expect(only((r) => (r.rewardAblation = full.rewardAblation))).toEqual(['ablation']);
    expect(only((r) => (r.models[0].ablation = full.models[0].ablation))).toEqual(['ablation']);
    expect(only((r) => (r.recovery = full.recovery))).toEqual(['recovery']);
    expect(only((r) => (r.data.groundTruth = full.data.groundTruth))).toEqual(['mixed-rule']);
    // an empty reward ablation and empty per-model ablations are nothing to show
    expect(only((r) => ((r.rewardAblation = []), (r.models[0].ablation = {})))).toEqual([]);
  });
});

describe('sanity checks', () => {
  const r = loadFixture();
  const pr = r.sanity.parameterRandomisation;
  const lr = r.sanity.labelRandomisation;
  const baseline = r.models.find((m: any) => m.kind === 'none');
  const features = Object.keys(baseline.features);
  const h = render(r);
  const section = sectionOf(h, 'sanity');

  it('leads with each check’s verdict and its own text', () => {
    expect(pr.verdict).toBe('fail');
    expect(lr.verdict).toBe('fail');
    expect(count(section, /class="callout check warn"/g)).toBe(2);
    expect(count(section, /<span class="pill pill-bad verdict-big">fail<\/span>/g)).toBe(2);
    expect(section).toContain(escapeText(pr.text));
    expect(section).toContain(escapeText(lr.text));
    expect(section).toContain(`every ratio to noise stays ≤ ${pr.threshold}×`);
    const passed = structuredClone(r);
    passed.sanity.parameterRandomisation.verdict = 'pass';
    const s = sectionOf(render(passed), 'sanity');
    expect(s).toContain('<div class="callout check good" data-check="Model-parameter randomisation">');
    expect(s).toContain('<span class="pill pill-good verdict-big">pass</span>');
  });

  it('draws the cascade on a log scale from the trained model through every step, a line per feature plus A / noise A', () => {
    const [S] = svgsOf(section, 'randomisation-S');
    const [F] = svgsOf(section, 'randomisation-F');
    expect(S && F).toBeTruthy();
    expect(count(S!, /class="series-line"/g)).toBe(features.length + 1);
    expect(count(F!, /class="series-line"/g)).toBe(features.length);
    for (const svg of [S!, F!]) {
      expect(svg).toContain('(log scale)');
      expect(svg).toContain('>trained</text>');
      for (const step of pr.steps) expect(svg).toContain(`>+${step.layers[step.layers.length - 1]}</text>`);
      expect(svg).toContain('noise level (1×)');
      expect(svg).toContain(`verdict threshold (${pr.threshold}×)`);
      // one marker per point: the trained model and each step, for every line
      expect(count(svg, /<g class="series">/g)).toBe(svg === S ? features.length + 1 : features.length);
    }
    // every feature has intervals over seeds (bands); A / noise A has none until the report carries its SeedStat
    expect(count(S!, /class="band"/g)).toBe(features.length);
    expect(section).toContain('A / noise A is the mean of the per-seed ratios, without an interval.');
    const withA = structuredClone(r);
    const ratio = { mean: 2, lo: 1, hi: 3, sd: 0.5, n: 3, values: [1.5, 2, 2.5] };
    for (const step of withA.sanity.parameterRandomisation.steps) step.spanRatioToNoise = ratio;
    withA.models.find((m: any) => m.kind === 'none').spanRatioToNoise = ratio;
    expect(E.isRight(validateReport(withA))).toBe(true);
    const s = sectionOf(render(withA), 'sanity');
    expect(count(svgsOf(s, 'randomisation-S')[0]!, /class="band"/g)).toBe(features.length + 1);
    expect(s).not.toContain('without an interval');
    // runs without their cascade or their noise span, and no SeedStat: no A line, and the caption does not promise one
    const noA = structuredClone(r);
    for (const run of noA.models.find((m: any) => m.kind === 'none').runs) {
      delete run.randomisation;
      delete run.noiseSpanAlignment;
    }
    const t = sectionOf(render(noA), 'sanity');
    expect(count(svgsOf(t, 'randomisation-S')[0]!, /class="series-line"/g)).toBe(features.length);
    expect(t).not.toContain('A / noise A</text>');
    expect(t).not.toContain('(dashed)');
  });

  it('tabulates the trained baseline and every step with intervals', () => {
    const table = figureOf(section, 'randomisation-table');
    expect(count(table, /<tr[ >]/g)).toBe(2 + 1 + pr.steps.length);
    for (const f of features) expect(table).toContain(ratioText(baseline.features[f].ratioToNoise));
    pr.steps.forEach((step: any, k: number) => {
      expect(table).toContain(`${k + 1}: +${step.layers[step.layers.length - 1]}`);
      for (const f of features) {
        expect(table).toContain(ratioText(step.ratioToNoise[f]));
        expect(table).toContain(ratioText(step.flowRatioToNoise[f]));
      }
    });
    // A / noise A of the last step: the mean of the per-seed ratios, as the check's own text states it
    const last = baseline.runs.map((run: any) => run.randomisation.at(-1).spanAlignment / run.randomisation.at(-1).noiseSpanAlignment);
    const mean = last.reduce((a: number, b: number) => a + b, 0) / last.length;
    expect(table).toContain(`>${fmt(mean)}×</span>`);
    expect(pr.text).toContain(`A is ${mean.toFixed(2)}×`);
  });

  it('sets the shuffled-label model beside the real baseline', () => {
    const table = figureOf(section, 'label-randomisation');
    expect(count(table, /<tr>/g)).toBe(2 + 2);
    expect(table).toContain(`${baseline.name}<span class="note">true labels</span>`);
    expect(table).toContain(`${lr.model.name}<span class="note">shuffled training and validation labels</span>`);
    for (const m of [baseline, lr.model]) {
      expect(table).toContain(`${m.balancedAccuracy.mean.toFixed(3)}</span> <span class="ci">[${m.balancedAccuracy.lo.toFixed(3)}, ${m.balancedAccuracy.hi.toFixed(3)}]`);
      for (const f of features) expect(table).toContain(ratioText(m.features[f].flowRatioToNoise));
    }
  });
});

describe('feature ablation', () => {
  const r = loadFixture();
  const h = render(r);
  const section = sectionOf(h, 'ablation');

  it('gives, per model and feature, A without it and the change, with intervals and every seed', () => {
    const table = figureOf(section, 'ablation-table');
    const rows = r.models.reduce((a: number, m: any) => a + Object.keys(m.ablation).length, 0);
    expect(count(table, /<tr>/g)).toBe(1 + rows);
    for (const m of r.models) {
      for (const [f, a] of Object.entries<any>(m.ablation)) {
        expect(a.change.mean).toBeLessThanOrEqual(0);
        expect(table).toContain(`${a.spanAlignment.mean.toFixed(3)}</span> <span class="ci">[${a.spanAlignment.lo.toFixed(3)}, ${a.spanAlignment.hi.toFixed(3)}]`);
        expect(table).toContain(`${signedSmall(a.change.mean)}</span> <span class="ci">[${signedSmall(a.change.lo)}, ${signedSmall(a.change.hi)}]`);
        expect(f.length).toBeGreaterThan(0);
      }
    }
    const [forest] = svgsOf(section, 'ablation');
    expect(count(forest!, /class="seed-dot"/g)).toBe(rows * r.seeds.length);
    expect(forest).toContain('no change');
  });

  it('gives the reward ablation’s ΔA and ΔBA with intervals and p', () => {
    const table = figureOf(section, 'reward-ablation');
    expect(count(table, /<tr>/g)).toBe(1 + r.rewardAblation.length);
    for (const a of r.rewardAblation) {
      const d = a.spanAlignment;
      expect(table).toContain(`${signedSmall(d.mean)}</span> <span class="ci">[${signedSmall(d.lo)}, ${signedSmall(d.hi)}]</span></td><td class="num">${d.pValue.toFixed(3)}</td>`);
      expect(table).toContain(`ablated run: ${a.ablated}`);
      // zero spread in balanced accuracy leaves p undefined: shown as a dash, never NaN
      expect(a.balancedAccuracy.pValue).toBeNull();
      expect(table).toContain(`${signedSmall(a.balancedAccuracy.mean)}</span> <span class="ci">[${signedSmall(a.balancedAccuracy.lo)}, ${signedSmall(a.balancedAccuracy.hi)}]</span></td><td class="num">—</td>`);
    }
  });
});

describe('recovery matrix', () => {
  const r = loadFixture();
  const rec = r.recovery;
  const h = render(r);
  const section = sectionOf(h, 'recovery');

  it('has a table for F and one for S, true cause by measured feature, each cell coloured by its mean ratio', () => {
    for (const [key, pick] of [['F', 'flowRatioToNoise'], ['S', 'ratioToNoise']] as const) {
      const table = figureOf(section, `recovery-${key}`);
      expect(count(table, /class="num rcell/g)).toBe(rec.rows.length * rec.features.length);
      expect(count(table, /rcell diag/g)).toBe(rec.rows.filter((row: any) => row.feature !== null).length);
      for (const row of rec.rows) {
        for (const f of rec.features) {
          const s = row[pick][f];
          const c = ratioColor(s.mean);
          expect(table).toContain(`style="background:${c.background};color:${c.ink}"><span class="mean" title="per seed: ${s.values.map((v: number) => `${fmt(v)}×`).join(', ')}">${ratioText(s)}`);
        }
      }
    }
  });

  it('gives each row its verdict, A and the unexplained part, and states the criterion', () => {
    const table = figureOf(section, 'recovery-F');
    for (const row of rec.rows) {
      expect(table).toContain(`>${row.verdict}</span>`);
      expect(table).toContain(`${row.unexplained.mean.toFixed(3)}</span> <span class="ci">[${row.unexplained.lo.toFixed(3)}, ${row.unexplained.hi.toFixed(3)}]`);
      expect(section).toContain(escapeText(row.text));
    }
    const hidden = rec.rows.find((row: any) => row.feature === null);
    expect(table).toContain('hidden: no feature names it');
    expect(table).toContain(`<td class="num strong"><span class="mean" title="per seed: ${hidden.spanAlignment.values.map((v: number) => v.toFixed(3)).join(', ')}">${hidden.spanAlignment.mean.toFixed(3)}`);
    expect(section).toContain(`Criterion: ${escapeText(rec.criterion)}.`);
    const visible = rec.rows.filter((row: any) => row.feature !== null);
    expect(section).toContain(`Recovered ${visible.filter((row: any) => row.verdict === 'recovered').length} of ${visible.length} visible causes.`);
    expect(section).toContain('class="ratio-legend"');
  });

  it('links to the study’s own report when embedded, and only by a relative path', () => {
    expect(rec.link).toBe('../v12/report.html');
    expect(section).toContain('<a class="study-link" href="../v12/report.html">../v12/report.html</a>');
    for (const link of ['javascript:alert(1)', 'https://example.org/report.html', '//example.org/x', ' java\tscript:alert(1)', 'JAVASCRIPT:x', '\\\\host\\share']) {
      const bad = structuredClone(r);
      bad.recovery.link = link;
      const s = sectionOf(render(bad), 'recovery');
      expect(s, link).not.toContain('<a class="study-link"');
      expect(s).toContain(`<code>${escapeText(link)}</code>`);
    }
    const own = structuredClone(r);
    delete own.recovery.link;
    expect(sectionOf(render(own), 'recovery')).not.toContain('study’s own report');
  });
});

describe('what S measures on a mixed rule', () => {
  const demo = sampleReport({ examples: 0 });
  const baseline = demo.models.find((m) => m.kind === 'none')!;
  const bySDemo = Object.entries(baseline.features).sort((a, b) => b[1].S.mean - a[1].S.mean).map(([f]) => f);

  it('sets each variable’s weight beside the baseline’s rank by S, and says whether the two agree', () => {
    const s = sectionOf(render(demo), 'mixed-rule');
    const rows = figureOf(s, 'mixed-rule');
    expect(count(rows, /<tr>/g)).toBe(1 + Object.values(demo.data.groundTruth!.weights).filter((w) => w !== 0).length);
    // in the demo, log aspect ratio has the largest weight (1.5) and the largest S
    expect(bySDemo[0]).toBe('logAspectRatio');
    expect(rows).toContain('<th scope="row">log aspect ratio</th><td class="num strong">1.5</td><td class="num">1 of 2</td>');
    expect(s).toContain(`Here the heaviest visible weight, log aspect ratio (1.5), also ranks first by S (${fmt(baseline.features.logAspectRatio!.ratioToNoise!.mean)}× the noise level).`);
    expect(s).toContain('how much of the gradient’s direction each feature’s gradient carries');
    expect(s).toContain('METHOD.md');
    // in the tiny run it ranks last, behind brightness: the page names the mismatch
    const run = loadFixture();
    const b = run.models.find((m: any) => m.kind === 'none');
    const byS = Object.entries<any>(b.features).sort((x, y) => y[1].S.mean - x[1].S.mean).map(([f]) => f);
    expect(byS).toEqual(['brightness', 'extent', 'logAspectRatio']);
    const t = sectionOf(render(run), 'mixed-rule');
    expect(t).toContain(`Here <strong>log aspect ratio</strong> has the largest visible weight in the rule (1.5) yet ranks <strong>3 of 3</strong> by S (${fmt(b.features.logAspectRatio.ratioToNoise.mean)}× the noise level), while brightness ranks first (${fmt(b.features.brightness.ratioToNoise.mean)}×).`);
    const table = figureOf(t, 'mixed-rule');
    expect(table).toContain(`${ratioText(b.features.logAspectRatio.ratioToNoise)}</td><td class="num strong">3 of 3</td><td class="num"><span class="mean" title="per seed: ${b.features.logAspectRatio.flowRatioToNoise.values.map((v: number) => `${fmt(v)}×`).join(', ')}">${ratioText(b.features.logAspectRatio.flowRatioToNoise)}</td><td class="num">3 of 3</td>`);
  });

  it('names the feature that measures each variable: the rule’s own mapping, else the recovery study’s, else unknown', () => {
    const demoRows = figureOf(sectionOf(render(demo), 'mixed-rule'), 'mixed-rule');
    expect(count(demoRows, /unknown: no measured feature has this name/g)).toBe(2); // size and texture
    const mapped = structuredClone(demo) as any;
    mapped.data.groundTruth.measuredBy = { brightness: 'brightness', size: 'extent', logAspectRatio: 'logAspectRatio', texture: null };
    expect(E.isRight(validateReport(mapped))).toBe(true);
    const rows = figureOf(sectionOf(render(mapped), 'mixed-rule'), 'mixed-rule');
    expect(rows).toContain('<th scope="row">size</th><td class="num strong">0.5</td><td class="num">3 of 3</td>');
    expect(rows).toContain(`>${bySDemo.indexOf('extent') + 1} of 3</td>`);
    expect(count(rows, /none: hidden from every feature/g)).toBe(1);
    // a report with the recovery study takes the study's mapping
    const withRecovery = figureOf(sectionOf(render(loadFixture()), 'mixed-rule'), 'mixed-rule');
    expect(withRecovery).toContain('<th scope="row">size</th><td class="num strong">0.5</td><td class="num">3 of 3</td>');
    expect(count(withRecovery, /none: hidden from every feature/g)).toBe(1);
    expect(sectionOf(render(loadFixture()), 'mixed-rule')).toContain('The recovery matrix above');
  });

  it('is left out for a rule with a single cause (a recovery study’s own report) or no baseline', () => {
    const single = structuredClone(demo) as any;
    single.data.groundTruth.weights = { brightness: 1, size: 0, logAspectRatio: 0, texture: 0 };
    expect(render(single)).not.toContain('<section id="mixed-rule"');
    const noBaseline = structuredClone(demo) as any;
    noBaseline.models = noBaseline.models.filter((m: any) => m.kind !== 'none');
    noBaseline.comparisons = [];
    expect(render(noBaseline)).not.toContain('<section id="mixed-rule"');
  });
});

describe('the page as a whole', () => {
  it('points to METHOD.md, never to PAPER.md, and renders no NaN or Infinity', () => {
    for (const r of [loadFixture(), sampleReport({ examples: 0 })]) {
      const h = render({ ...r, assumptions: [] });
      expect(h).not.toContain('PAPER.md');
      expect(h).toContain('are in METHOD.md in the fgflow repository');
      expect(h).not.toMatch(/NaN|Infinity/);
    }
  });

  it('report text in the new parts renders as text', () => {
    const r = loadFixture();
    const evil = '<b>x</b>';
    r.sanity.parameterRandomisation.text = evil;
    r.sanity.labelRandomisation.text = evil;
    r.sanity.labelRandomisation.model.name = evil;
    r.sanity.parameterRandomisation.steps[0].layers = [evil];
    r.rewardAblation[0].feature = evil;
    r.rewardAblation[0].ablated = evil;
    r.recovery.criterion = evil;
    r.recovery.rows[0].text = evil;
    r.recovery.rows[0].cause = evil;
    r.recovery.link = `"><b>x</b>`;
    r.data.groundTruth.rule = evil;
    const h = render(r);
    expect(h).not.toContain('<b>');
    expect(count(h, /&lt;b&gt;x&lt;\/b&gt;/g)).toBeGreaterThanOrEqual(10);
  });

  it('isRelativePath accepts paths and refuses anything with a scheme or a host', () => {
    for (const ok of ['../v/report.html', 'report.html', 'study/report.html#recovery', './a b.html']) expect(isRelativePath(ok), ok).toBe(true);
    for (const bad of ['', '   ', 'file:///etc/passwd', 'data:text/html,x', 'java\nscript:x', '\u0001javascript:x', '//host/x', '/\\host']) expect(isRelativePath(bad), JSON.stringify(bad)).toBe(false);
  });
});

describe('svg helpers for these sections', () => {
  it('xyPlot with yLog ticks decades and keeps values ≤ 0 at the floor, never NaN', () => {
    const svg = xyPlot({ title: 't', series: [{ name: 's', color: '#000', points: [{ x: 0, y: 0 }, { x: 1, y: 3 }, { x: 2, y: 250 }], line: true, band: [{ x: 0, lo: 0, hi: 1 }, { x: 1, lo: 1, hi: 9 }, { x: 2, lo: 100, hi: 400 }] }], xLabel: 'x', yLabel: 'ratio', yLog: true }).text;
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).toContain('ratio (log scale)');
    for (const t of ['1', '10', '100', '1000']) expect(svg).toContain(`>${t}</text>`);
  });

  it('ratioColor is white at the noise level, darkest from 100×, and darkens monotonically', () => {
    expect(ratioColor(1).background).toBe('#ffffff');
    expect(ratioColor(0.2).background).toBe('#ffffff');
    expect(ratioColor(100).background).toBe('#08306b');
    expect(ratioColor(1000).background).toBe('#08306b');
    expect(ratioColor(100).ink).toBe('#ffffff');
    expect(ratioColor(2).ink).toBe('#111827');
    const lightness = (v: number) => parseInt(ratioColor(v).background.slice(1, 3), 16);
    const ladder = [1, 2, 5, 10, 20, 50, 100].map(lightness);
    for (let i = 1; i < ladder.length; i++) expect(ladder[i]!).toBeLessThan(ladder[i - 1]!);
  });
});
