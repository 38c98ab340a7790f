import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { decode as decodePngBytes } from 'fast-png';
import { headlineComparison, readReport, renderHtml, SECTIONS, stringifyReport, writeReport, type ReportJson, type SeedStat } from '../../src/report/node.ts';
import { sampleReport } from '../../src/experiment/demo.ts';
import { colorRange, encodeOverlay, encodePng, mapColor } from '../../src/report/png.ts';
import { boxStats, linearScale, logScale } from '../../src/report/svg.ts';
import { withValidation } from './validation-fixture.ts';

/** A PNG's pixels as RGBA (the report writes RGB), the layout the pixel checks below index. */
const readRgba = (bytes: Uint8Array): { width: number; height: number; data: Uint8Array } => {
  const png = decodePngBytes(bytes);
  const n = png.width * png.height;
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = png.data[i * png.channels + (png.channels >= 3 ? c : 0)]!;
    data[i * 4 + 3] = png.channels === 4 ? png.data[i * 4 + 3]! : 255;
  }
  return { width: png.width, height: png.height, data };
};

const tmp = mkdtempSync(path.join(tmpdir(), 'fgflow-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const f3 = (v: number) => v.toFixed(3);
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
const pval = (p: number | null) => (p === null ? '—' : p < 0.001 ? '&lt; 0.001' : p.toFixed(3));
/** How the page prints a SeedStat: the mean, then its interval. */
const statText = (s: SeedStat) => `${f3(s.mean)}</span> <span class="ci">[${f3(s.lo!)}, ${f3(s.hi!)}]</span>`;
const kindsOf = (h: string) => [...h.matchAll(/class="figure[^"]*" data-figure="([^"]+)"/g)].map((m) => m[1]);
/** The inline SVG whose class list holds `cls`. */
const svgsOf = (h: string, cls: string) => [...h.matchAll(/<svg class="plot ([^"]*)"[\s\S]*?<\/svg>/g)].filter((m) => (m[1] as string).split(' ').includes(cls)).map((m) => m[0]);
const count = (h: string, re: RegExp) => [...h.matchAll(re)].length;
const mutable = (r: ReportJson = sampleReport({ examples: 1, nTest: 10 })): any => structuredClone(r);

describe('renderHtml (report v2)', () => {
  const report = sampleReport();
  const html = renderHtml(report);

  it('is a complete HTML document with every section, each linked from the navigation', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('id="header"');
    expect(SECTIONS.map((s) => s.id)).toEqual(['paper', 'comparisons', 'models', 'ceilings', 'tradeoff', 'training', 'features', 'distributions', 'ablation', 'sanity', 'ground-truth', 'recovery', 'mixed-rule', 'examples', 'assumptions', 'settings', 'timing']);
    // the demo holds no sanity checks, ablations or recovery study: add a real tiny run's
    const full = renderHtml(withValidation(sampleReport({ seeds: [0, 1, 2] })));
    for (const { id } of SECTIONS) {
      expect(full, `section #${id}`).toContain(`<section id="${id}"`);
      expect(full, `nav link #${id}`).toContain(`<a href="#${id}">`);
    }
  });

  it('has the figures the brief asks for, as many as the report holds', () => {
    const kinds = kindsOf(html);
    for (const k of ['paper-table', 'comparison-table', 'comparison-forest', 'models-table', 'ceilings', 'tradeoff', 'tradeoff-flow', 'training-loss', 'training-accuracy', 'feature-alignment', 'distribution', 'ground-truth', 'measured-vs-truth', 'overlay', 'example-image', 'flow-frame', 'timing']) {
      expect(kinds, k).toContain(k);
    }
    const n = (k: string) => kinds.filter((x) => x === k).length;
    for (const k of ['distribution', 'training-loss', 'training-accuracy', 'feature-alignment']) expect(n(k), k).toBe(report.models.length);
    expect(n('comparison-forest')).toBe(report.comparisons.length);
    const examples = report.examples ?? [];
    expect(examples.length).toBe(2);
    expect(n('example-image')).toBe(examples.reduce((a, e) => a + e.images.length + ((e.flow?.length ?? 0) > 1 ? 1 : 0), 0));
    expect(n('overlay')).toBe(examples.reduce((a, e) => a + e.images.filter((im) => im.colormap === 'diverging').length, 0));
    expect(n('flow-frame')).toBe(examples.reduce((a, e) => a + (e.flow?.length ?? 0), 0));
  });

  it('shows every headline number as a mean with its 95% interval, n and the per-seed values', () => {
    expect(report.seeds.length).toBe(5);
    expect(html).toContain('n = 5 seeds');
    for (const m of report.models) {
      for (const s of [m.balancedAccuracy, m.auc!, m.spanAlignment!, m.flowSpanAlignment!, m.unexplained!]) {
        expect(s.lo, m.name).not.toBeNull();
        expect(html, `${m.name} ${s.mean}`).toContain(statText(s));
        expect(html).toContain(`title="per seed: ${s.values.map(f3).join(', ')}"`);
      }
    }
    for (const c of report.ceilings ?? []) expect(html).toContain(`${f3(c.balancedAccuracy.mean)} [${f3(c.balancedAccuracy.lo!)}, ${f3(c.balancedAccuracy.hi!)}]`);
  });

  it('sets the paper figures beside the headline pair, with its verdict in words and the method named', () => {
    const h = headlineComparison(report);
    // pointwise-λ0.1 loses balanced accuracy beyond the margin; pointwise-λ0.01 keeps it
    expect(report.comparisons.map((c) => [c.rewarded, c.accuracy, c.alignmentGain])).toEqual([
      ['pointwise-λ0.01', 'maintained', 'significant'],
      ['pointwise-λ0.1', 'not shown', 'significant'],
    ]);
    expect(h.baseline?.name).toBe('baseline');
    expect(h.rewarded?.name).toBe('pointwise-λ0.01');
    expect(h.rule).toMatch(/largest λ whose balanced accuracy is maintained/);
    const paper = html.slice(html.indexOf('<section id="paper"'), html.indexOf('<section id="comparisons"'));
    expect(paper).toContain('0.160 → 0.190');
    expect(paper).toContain('≈ 0.680 in both');
    expect(paper).toContain(statText(h.baseline!.spanAlignment!));
    expect(paper).toContain(statText(h.rewarded!.spanAlignment!));
    expect(paper).toContain(statText(h.rewarded!.balancedAccuracy));
    const c = h.comparison!;
    expect(paper).toContain(c.verdict);
    expect(paper).toContain(`Method: ${c.method}`);
    expect(paper).toContain('significant gain in A');
    expect(paper).toContain(`BA maintained (margin ${c.margin})`);
    expect(paper).toContain(`${signed(c.spanAlignment.mean)}</span> <span class="ci">[${signed(c.spanAlignment.lo!)}, ${signed(c.spanAlignment.hi!)}]`);
  });

  it('tabulates ΔA, ΔF_A and ΔBA with interval, t, p and Holm p for every rewarded model', () => {
    const table = html.slice(html.indexOf('data-figure="comparison-table"'), html.indexOf('</table>', html.indexOf('data-figure="comparison-table"')));
    expect(count(table, /<tr>/g)).toBe(1 + 3 * report.comparisons.length);
    for (const c of report.comparisons) {
      for (const d of [c.spanAlignment, c.flowSpanAlignment!, c.balancedAccuracy]) {
        expect(table).toContain(`${signed(d.mean)}</span> <span class="ci">[${signed(d.lo!)}, ${signed(d.hi!)}]</span></td><td class="num">${d.t!.toFixed(2)} (${d.df})</td><td class="num">${pval(d.pValue)}</td><td class="num strong">${pval(d.pHolm)}</td>`);
        expect(d.pHolm!).toBeGreaterThanOrEqual(d.pValue!);
      }
    }
    expect(html).toContain('not shown within 0.02');
  });

  it('draws each seed as a dot beside every bar and point', () => {
    const n = report.seeds.length;
    const ceilings = svgsOf(html, 'ceilings');
    expect(ceilings.length).toBe(1);
    expect(count(ceilings[0]!, /class="seed-dot"/g)).toBe(((report.ceilings?.length ?? 0) + report.models.length) * n);
    for (const forest of svgsOf(html, 'forest')) expect(count(forest, /class="seed-dot"/g)).toBe(3 * n);
    const features = svgsOf(html, 'features');
    expect(features.length).toBe(report.models.length);
    // S and F of three features plus the noise baseline's S and F
    for (const f of features) expect(count(f, /class="seed-dot"/g)).toBe(8 * n);
  });

  it('draws the λ trade-off with error bars in both directions and every seed', () => {
    for (const cls of ['tradeoff-A', 'tradeoff-FA']) {
      const [svg] = svgsOf(html, cls);
      expect(svg, cls).toBeDefined();
      expect(count(svg!, /class="error-bar"/g), cls).toBe(2 * report.models.length);
      // one small point per (model, seed) plus the labelled means
      expect(count(svg!, /<g opacity="0.45">/g), cls).toBe(report.models.length * report.seeds.length);
      for (const m of report.models) expect(svg).toContain(m.kind === 'none' ? 'λ=0' : `λ=${m.lambda}`);
    }
  });

  it('draws learning curves for training and validation, each with a band, and marks every seed’s kept epoch', () => {
    const curves = [...svgsOf(html, 'learning-loss'), ...svgsOf(html, 'learning-accuracy')];
    expect(curves.length).toBe(2 * report.models.length);
    for (const svg of curves) {
      expect(count(svg, /class="band"/g)).toBe(2);
      expect(count(svg, /class="series-line"/g)).toBe(2);
      expect(svg).toContain('kept epoch (one per seed)');
      // a diamond per seed, plus the legend's
      expect(count(svg, /<path d="M[^"]*Z" fill="#fff" stroke="#111827"/g)).toBe(report.seeds.length + 1);
    }
  });

  it('blends ∇f and each ∇g_i over the CT, with a legend, and keeps the separate panels', () => {
    expect(html).toContain('Gradients blended over the CT');
    expect(html).toContain('aria-label="legend of the overlays"');
    expect(html).toContain('blue: brightening the pixel lowers the output');
    for (const t of ['∇f over the CT', '∇g brightness over the CT', '∇g extent over the CT', '∇g log aspect ratio over the CT', '∇f⊥ over the CT']) expect(html).toContain(`alt="${t}"`);
    expect(html).toContain('Separate panels');
  });

  it('loads nothing from outside: no http(s) src/href, no scripts, a CSP', () => {
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
    for (const m of html.matchAll(/\bhref="([^"]*)"/g)) expect(m[1]).toMatch(/^#[\w-]+$/);
  });

  it('embeds images as valid PNG data URIs', () => {
    const srcs = [...html.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) => m[1] as string);
    expect(srcs.length).toBeGreaterThan(20);
    for (const src of srcs) {
      const m = /^data:image\/png;base64,([A-Za-z0-9+/]+={0,2})$/.exec(src);
      expect(m, src.slice(0, 40)).not.toBeNull();
      const png = readRgba(Buffer.from((m as RegExpExecArray)[1] as string, 'base64'));
      expect(png.width).toBeGreaterThan(0);
      expect(png.height).toBeGreaterThan(0);
    }
  });

  it('an example id, a model name, a setting value or a data name such as <b>x</b> renders as text', () => {
    const r = mutable(sampleReport({ examples: 2, nTest: 10 }));
    const evil = '<b>x</b>';
    const old = r.models[1].name;
    r.models[1].name = evil;
    for (const c of r.comparisons) if (c.rewarded === old) c.rewarded = evil;
    r.comparisons[0].verdict = `${evil} verdict`;
    r.examples[0].id = evil;
    r.examples[0].images[0].title = evil;
    r.settings.reward = evil;
    r.settings[evil] = '"quoted" & <tagged>';
    r.data.name = '<script>alert(1)</script>';
    r.data.groundTruth.rule = evil;
    r.ceilings[0].name = evil;
    r.assumptions[0].text = evil;
    r.selection.metric = evil;
    const h = renderHtml(r as ReportJson);
    expect(h).not.toContain('<b>');
    expect(h).not.toContain('<script>');
    expect(h).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(h).toContain('&quot;quoted&quot; &amp; &lt;tagged&gt;');
    expect(count(h, /&lt;b&gt;x&lt;\/b&gt;/g)).toBeGreaterThan(12);
    expect(h).toContain('Example &lt;b&gt;x&lt;/b&gt;');
    expect(h).toContain('<dd>&lt;b&gt;x&lt;/b&gt;</dd>');
  });

  it('renders a report without its optional parts, leaving their sections out', () => {
    const r = mutable(sampleReport({ examples: 0, distributions: false }));
    delete r.data.groundTruth;
    delete r.examples;
    delete r.ceilings;
    delete r.backend;
    for (const m of r.models) for (const run of m.runs) run.history = [];
    const h = renderHtml(r as ReportJson);
    for (const id of ['paper', 'comparisons', 'models', 'tradeoff', 'features', 'assumptions', 'settings', 'timing']) expect(h).toContain(`<section id="${id}"`);
    for (const id of ['ceilings', 'training', 'distributions', 'ground-truth', 'examples']) {
      expect(h).not.toContain(`<section id="${id}"`);
      expect(h).not.toContain(`href="#${id}"`);
    }
  });

  it('a single seed gets means without intervals and comparisons marked untestable, never NaN', () => {
    const r = sampleReport({ seeds: [7], examples: 1, nTest: 6 });
    expect(r.models[0]!.balancedAccuracy.lo).toBeNull();
    expect(r.comparisons.every((c) => c.alignmentGain === 'untestable' && c.accuracy === 'untestable')).toBe(true);
    const h = renderHtml({ ...r, assumptions: [] });
    expect(h).not.toMatch(/NaN|Infinity/);
    expect(h).toContain('n = 1 seed');
    expect(h).toContain('gain in A untestable');
    expect(h).toContain(`>${f3(r.models[0]!.balancedAccuracy.mean)}</span></td>`);
  });

  it('degenerate inputs (no features, zero noise, constant images, no settings) get a page without NaN or Infinity', () => {
    // (the assumptions' own text mentions NaN, so leave them out)
    expect(renderHtml({ ...report, assumptions: [] })).not.toMatch(/NaN|Infinity/);
    const r = mutable(sampleReport({ examples: 1, nTest: 5, seeds: [0, 1] }));
    const zero = { mean: 0, lo: 0, hi: 0, sd: 0, n: 2, values: [0, 0] };
    r.models = [{ ...r.models[0], features: {}, noise: { S: zero, F: null, draws: 1 }, runs: r.models[0].runs.map((run: any) => ({ ...run, features: {}, distributions: { noise: { S: [0, 0, 0], F: [] } }, history: [] })) }];
    r.comparisons = [];
    r.examples[0].model = r.models[0].name;
    r.examples[0].images = [
      { title: 'constant', width: 3, height: 2, data: [1, 1, 1, 1, 1, 1], colormap: 'gray' },
      { title: 'zero gradient', width: 3, height: 2, data: [0, 0, 0, 0, 0, 0], colormap: 'diverging' },
    ];
    r.examples[0].flow = [{ title: 'only frame', width: 1, height: 1, data: [0.5] }];
    r.timing = { totalSeconds: 0 };
    r.settings = {};
    r.assumptions = [];
    r.data.groundTruth = { rule: 'y = 0', weights: {} };
    const h = renderHtml(r as ReportJson);
    expect(h).not.toMatch(/NaN|Infinity/);
    expect(h).toContain('data-figure="distribution"');
    expect(h).toContain('data-figure="overlay"');
    expect(h).toContain('No settings recorded.');
  });

  it('a run with only the unrewarded model gets the paper table with no comparison and no comparisons section', () => {
    const r = mutable(sampleReport({ examples: 0 }));
    r.models = [r.models[0]];
    r.comparisons = [];
    const h = renderHtml(r as ReportJson);
    expect(headlineComparison(r).rule).toBe('no rewarded model in this run');
    expect(h).toContain('This run has no rewarded model');
    expect(h).not.toContain('<section id="comparisons"');
    expect(h).toContain('data-figure="tradeoff"');
  });
});

describe('writeReport / readReport', () => {
  it('writes report.json and report.html atomically and reads them back', async () => {
    const out = path.join(tmp, 'nested', 'out');
    const report = sampleReport({ examples: 1 });
    const files = await writeReport(report, out);
    expect(files.json).toBe(path.join(out, 'report.json'));
    expect(files.html).toBe(path.join(out, 'report.html'));
    expect(readdirSync(out).sort()).toEqual(['report.html', 'report.json']);
    expect(readFileSync(files.html, 'utf8')).toBe(renderHtml(report));
    const back = await readReport(files.json);
    expect(E.isRight(back)).toBe(true);
    if (E.isRight(back)) expect(back.right).toEqual(JSON.parse(JSON.stringify(report)));
    // the JSON keeps arrays of numbers and strings on one line: no line holds a bare element
    const lines = readFileSync(files.json, 'utf8').split('\n');
    expect(lines.filter((l) => /^\s*(?:-?\d[\d.e+-]*|null|true|false|"(?:[^"\\]|\\.)*"),?$/.test(l))).toEqual([]);
    expect(JSON.parse(stringifyReport(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('overwrites an existing report', async () => {
    const out = path.join(tmp, 'overwrite');
    await writeReport(sampleReport({ examples: 0, seed: 1 }), out);
    await writeReport(sampleReport({ examples: 0, seed: 2 }), out);
    const back = await readReport(path.join(out, 'report.json'));
    expect(E.isRight(back) && back.right.data.fingerprint).toBe('demo-2');
    expect(readdirSync(out).sort()).toEqual(['report.html', 'report.json']);
  });

  it('an invalid report gets every problem listed and nothing written', async () => {
    const out = path.join(tmp, 'invalid');
    const bad = mutable(sampleReport({ examples: 0 }));
    bad.models[0].auc.mean = 3;
    bad.timing.totalSeconds = Number.NaN;
    await expect(writeReport(bad as ReportJson, out)).rejects.toThrow(/invalid report \(2 problems\)[\s\S]*models\[0\]\.auc: values, mean and interval must lie in \[0, 1\][\s\S]*timing\.totalSeconds/);
    expect(() => readdirSync(out)).toThrow();
  });

  it('readReport: a missing file, bad JSON and invalid content each get a problem naming the file', async () => {
    const missing = await readReport(path.join(tmp, 'nope.json'));
    expect(E.isLeft(missing) && missing.left[0]).toMatch(/nope\.json: file not found/);
    const badJson = path.join(tmp, 'bad.json');
    writeFileSync(badJson, '{ not json');
    const b = await readReport(badJson);
    expect(E.isLeft(b) && b.left[0]).toMatch(/bad\.json: not valid JSON/);
    const invalid = path.join(tmp, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ version: 2 }));
    const c = await readReport(invalid);
    expect(E.isLeft(c)).toBe(true);
    if (E.isLeft(c)) {
      expect(c.left.length).toBeGreaterThan(3);
      expect(c.left.every((p) => p.startsWith(`${invalid}: `))).toBe(true);
    }
  });
});

describe('png and svg helpers', () => {
  it('gray maps [min, max] to black..white; diverging is white at 0 and symmetric', () => {
    const g = colorRange([2, 4, 6], 'gray');
    expect(g).toEqual({ min: 2, max: 6 });
    expect(mapColor(2, 'gray', g)).toEqual([0, 0, 0]);
    expect(mapColor(6, 'gray', g)).toEqual([255, 255, 255]);
    const d = colorRange([-1, 3], 'diverging');
    expect(d).toEqual({ min: -3, max: 3 });
    expect(mapColor(0, 'diverging', d).map(Math.round)).toEqual([247, 247, 247]);
    const pos = mapColor(3, 'diverging', d);
    const neg = mapColor(-3, 'diverging', d);
    expect(pos[0]).toBeGreaterThan(pos[2]); // red
    expect(neg[2]).toBeGreaterThan(neg[0]); // blue
    // a constant image does not divide by zero
    expect(mapColor(5, 'gray', colorRange([5, 5], 'gray'))).toEqual([128, 128, 128]);
  });

  it('encodes PNGs with the mask outline', () => {
    const w = 5;
    const mask = [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    const png = readRgba(encodePng(w, 5, new Array(25).fill(0.5), 'gray', { mask }));
    const px = (x: number, y: number) => [...png.data.subarray((y * w + x) * 4, (y * w + x) * 4 + 3)];
    expect(px(1, 1)).toEqual([255, 176, 0]); // outline
    expect(px(2, 2)).toEqual([128, 128, 128]); // interior
    expect(px(0, 0)).toEqual([128, 128, 128]); // outside
  });

  it('an overlay leaves the CT as it is where the gradient is 0 and tints it by sign where it is strongest', () => {
    const ct = [0, 0.25, 0.5, 0.75, 1, 0.5];
    const heat = [0, 0, 0, -2, 2, 0];
    const png = readRgba(encodeOverlay(3, 2, ct, heat, { alpha: 1 }));
    const px = (i: number) => [...png.data.subarray(i * 4, i * 4 + 3)];
    expect(px(0)).toEqual([0, 0, 0]);
    expect(px(1)).toEqual([64, 64, 64]);
    expect(px(2)).toEqual([128, 128, 128]);
    // full opacity at the saturating magnitude: the diverging colour's ends
    expect(px(3)).toEqual(mapColor(-2, 'diverging', { min: -2, max: 2 }).map(Math.round));
    expect(px(4)).toEqual(mapColor(2, 'diverging', { min: -2, max: 2 }).map(Math.round));
    // an all-zero gradient is the CT alone
    const flat = readRgba(encodeOverlay(3, 2, ct, [0, 0, 0, 0, 0, 0]));
    expect([...flat.data.subarray(8, 11)]).toEqual([128, 128, 128]);
  });

  it('scales and ticks come from d3-scale: nice linear domains, decade log ticks', () => {
    const s = linearScale([0.13, 0.41], [0, 100]);
    expect(s.domain).toEqual([0.1, 0.45]);
    expect(s.ticks).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45]);
    expect(s(0.1)).toBeCloseTo(0);
    expect(s(0.45)).toBeCloseTo(100);
    expect(s.format(0.2)).toBe('0.20');
    // a point domain is widened rather than dividing by zero
    expect(linearScale([0, 0], [0, 10]).domain).toEqual([0, 1]);
    const l = logScale([0.0003, 0.2], [0, 100]);
    expect(l.domain[0]).toBeCloseTo(1e-4);
    expect(l.domain[1]).toBeCloseTo(1);
    expect(l(1e-2)).toBeCloseTo(50);
    expect(l.ticks).toEqual([1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(l.format(1e-4)).toBe('10⁻⁴');
    const b = boxStats([1, 2, 3, 4, 100]);
    expect(b?.median).toBe(3);
    expect(b?.q1).toBe(2);
    expect(b?.q3).toBe(4);
    expect(b?.hi).toBe(4);
    expect(b?.mean).toBe(22);
  });
});
