import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { PNG } from 'pngjs';
import { readReport, renderHtml, sampleReport, selectComparison, stringifyReport, writeReport, type ReportJson } from '../../src/report/index.ts';
import { colorRange, encodePng, mapColor } from '../../src/report/png.ts';
import { logScale, niceTicks, boxStats, linearScale } from '../../src/report/svg.ts';

const SECTIONS = ['header', 'paper', 'models', 'tradeoff', 'distributions', 'ground-truth', 'training', 'examples', 'assumptions', 'settings', 'timing'];

const tmp = mkdtempSync(path.join(tmpdir(), 'fgflow-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('renderHtml', () => {
  const report = sampleReport();
  const html = renderHtml(report);

  it('is a complete HTML document with every section', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    for (const id of SECTIONS) expect(html, `section #${id}`).toContain(`id="${id}"`);
  });

  it('has the figures the brief asks for', () => {
    const kinds = [...html.matchAll(/class="figure[^"]*" data-figure="([^"]+)"/g)].map((m) => m[1]);
    for (const k of ['paper-table', 'models-table', 'tradeoff', 'lambda-curve', 'distribution', 'ground-truth', 'measured-vs-truth', 'training-loss', 'training-accuracy', 'example-image', 'flow-frame', 'timing']) {
      expect(kinds, k).toContain(k);
    }
    // one distribution figure per model; one image panel per example image (+ the path-change panel)
    expect(kinds.filter((k) => k === 'distribution').length).toBe(report.models.length);
    const nImages = (report.examples ?? []).reduce((a, e) => a + e.images.length + (e.flow !== undefined && e.flow.length > 1 ? 1 : 0), 0);
    expect(kinds.filter((k) => k === 'example-image').length).toBe(nImages);
    expect(kinds.filter((k) => k === 'flow-frame').length).toBe((report.examples ?? []).reduce((a, e) => a + (e.flow?.length ?? 0), 0));
  });

  it('shows the paper figures beside ours and every λ in the trade-off plot', () => {
    expect(html).toContain('0.160');
    expect(html).toContain('0.190');
    expect(html).toContain('0.680');
    const cmp = selectComparison(report);
    expect(cmp.baseline?.name).toBe('baseline');
    // pointwise-0.1 loses 0.008 balanced accuracy (within 0.02); pointwise-1 loses 0.043
    expect(cmp.rewarded?.name).toBe('pointwise-0.1');
    for (const l of ['λ=0.01', 'λ=0.1', 'λ=1', 'λ=10']) expect(html).toContain(l);
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
    expect(srcs.length).toBeGreaterThan(10);
    for (const src of srcs) {
      const m = /^data:image\/png;base64,([A-Za-z0-9+/]+={0,2})$/.exec(src);
      expect(m, src.slice(0, 40)).not.toBeNull();
      const bytes = Buffer.from((m as RegExpExecArray)[1] as string, 'base64');
      const png = PNG.sync.read(bytes);
      expect(png.width).toBeGreaterThan(0);
      expect(png.height).toBeGreaterThan(0);
    }
  });

  it('escapes text from the report', () => {
    const r = structuredClone(sampleReport({ examples: 1, nTest: 10 })) as any;
    r.data.name = '<script>alert(1)</script>';
    r.settings['<b>'] = '"quoted" & <tagged>';
    const h = renderHtml(r as ReportJson);
    expect(h).not.toContain('<script>alert(1)</script>');
    expect(h).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(h).toContain('&quot;quoted&quot; &amp; &lt;tagged&gt;');
  });

  it('renders a report without optional parts', () => {
    const r = sampleReport({ examples: 0, distributions: false, history: false }) as any;
    delete r.data.groundTruth;
    delete r.examples;
    const h = renderHtml(r as ReportJson);
    for (const id of ['header', 'paper', 'models', 'tradeoff', 'distributions', 'assumptions', 'settings', 'timing']) expect(h).toContain(`id="${id}"`);
    for (const id of ['ground-truth', 'training', 'examples']) expect(h).not.toContain(`id="${id}"`);
    expect(h).toContain('per-image values were not recorded');
  });

  it('never prints NaN or Infinity, even for degenerate inputs', () => {
    // (the assumptions' own text mentions NaN, so leave them out)
    expect(renderHtml({ ...report, assumptions: [] })).not.toMatch(/NaN|Infinity/);
    const r = structuredClone(sampleReport({ examples: 1, nTest: 5 })) as any;
    r.models = [{ ...r.models[0], features: {}, noise: { S: 0, F: 0 }, distributions: { noise: { S: [0, 0, 0], F: [0, 0, 0] } }, history: [] }];
    r.examples[0].images = [
      { title: 'constant', width: 3, height: 2, data: [1, 1, 1, 1, 1, 1], colormap: 'gray' },
      { title: 'zero gradient', width: 1, height: 1, data: [0], colormap: 'diverging' },
    ];
    r.examples[0].flow = [{ title: 'only frame', width: 1, height: 1, data: [0.5] }];
    r.timing = { totalSeconds: 0 };
    r.settings = {};
    r.assumptions = [];
    r.data.groundTruth = { rule: 'y = 0', weights: {} };
    const h = renderHtml(r as ReportJson);
    expect(h).not.toMatch(/NaN|Infinity/);
    expect(h).toContain('data-figure="distribution"');
  });

  it('renders a single unrewarded model', () => {
    const r = structuredClone(sampleReport({ examples: 0 })) as any;
    r.models = [r.models[0]];
    r.examples = [];
    const h = renderHtml(r as ReportJson);
    expect(h).toContain('no rewarded model in this run');
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
    // the JSON keeps number arrays on one line
    const lines = readFileSync(files.json, 'utf8').split('\n').length;
    expect(lines).toBeLessThan(JSON.stringify(report, null, 2).split('\n').length / 10);
    expect(JSON.parse(stringifyReport(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('overwrites an existing report', async () => {
    const out = path.join(tmp, 'overwrite');
    await writeReport(sampleReport({ examples: 0, seed: 1 }), out);
    await writeReport(sampleReport({ examples: 0, seed: 2 }), out);
    const back = await readReport(path.join(out, 'report.json'));
    expect(E.isRight(back) && back.right.settings.seed).toBe(2);
    expect(readdirSync(out).sort()).toEqual(['report.html', 'report.json']);
  });

  it('refuses an invalid report, listing its problems, and writes nothing', async () => {
    const out = path.join(tmp, 'invalid');
    const bad = structuredClone(sampleReport({ examples: 0 })) as any;
    bad.models[0].auc = 3;
    bad.timing.totalSeconds = Number.NaN;
    await expect(writeReport(bad as ReportJson, out)).rejects.toThrow(/invalid report \(2 problems\)[\s\S]*models\[0\]\.auc[\s\S]*timing\.totalSeconds/);
    expect(() => readdirSync(out)).toThrow();
  });

  it('readReport reports a missing file, bad JSON and invalid content', async () => {
    const missing = await readReport(path.join(tmp, 'nope.json'));
    expect(E.isLeft(missing) && missing.left[0]).toMatch(/file not found/);
    const badJson = path.join(tmp, 'bad.json');
    writeFileSync(badJson, '{ not json');
    const b = await readReport(badJson);
    expect(E.isLeft(b) && b.left[0]).toMatch(/not valid JSON/);
    const invalid = path.join(tmp, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ version: 1 }));
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
    const png = PNG.sync.read(encodePng(w, 5, new Array(25).fill(0.5), 'gray', { mask }));
    const px = (x: number, y: number) => [...png.data.subarray((y * w + x) * 4, (y * w + x) * 4 + 3)];
    expect(px(6 % w, 1)).toEqual([255, 176, 0]); // outline
    expect(px(2, 2)).toEqual([128, 128, 128]); // interior
    expect(px(0, 0)).toEqual([128, 128, 128]); // outside
  });

  it('makes nice ticks and scales', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.41, 5)).toEqual([0.15, 0.2, 0.25, 0.3, 0.35, 0.4]);
    const s = linearScale([0.13, 0.41], [0, 100]);
    expect(s.domain).toEqual([0.1, 0.45]);
    expect(s(0.1)).toBeCloseTo(0);
    const l = logScale([0.0003, 0.2], [0, 100]);
    expect(l.domain[0]).toBeCloseTo(1e-4);
    expect(l.domain[1]).toBeCloseTo(1);
    expect(l(1e-2)).toBeCloseTo(50);
    const b = boxStats([1, 2, 3, 4, 100]);
    expect(b?.median).toBe(3);
    expect(b?.hi).toBe(4);
  });
});
