/**
 * `fgflow explore` on the models of a tiny experiment: the page opened from file:// in headless
 * Chromium computes S and A of a test image as fgflow computes them in Node (the experiment's own
 * measure: alignmentBatch of the CT channel), on the cpu backend and on gpu.js, with no console
 * error and no request leaving the page; a dropped PNG and its mask are explained too; a
 * screenshot goes to test-artifacts/explorer.png. Bad input gets a typed error naming it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { writePngOrThrow } from '../../src/data/files.ts';
import { phantom } from '../../src/data/phantom.ts';
import { exploreCommand } from '../../src/cli/commands/explore.ts';
import { featureSet } from '../../src/experiment/features.ts';
import { channelOf, testImageModel } from '../../src/experiment/measure.ts';
import { loadTrainedCheckpoint } from '../../src/experiment/single.ts';
import { alignmentBatch } from '../../src/interp/alignment.ts';
import { reportJsonSchema } from '../../src/report/schema.ts';
import type { ExplorerPayload } from '../../src/explorer/payload.ts';
import { launch, watch } from '../support/chromium.ts';

const BIN = join(import.meta.dirname, '../../bin/fgflow.js');
const TINY = ['--subjects', '32', '--positives', '8', '--size', '16', '--crop', '16', '--epochs', '2', '--batch', '8', '--channels', '2,4,4', '--hidden', '8', '--lambdas', '0,1', '--noise-draws', '2', '--flow-samples', '2', '--flow-steps', '40', '--examples', '1', '--seeds', '1', '--backend', 'cpu', '--quiet'];
const ARTIFACTS = resolve('test-artifacts');

const dir = mkdtempSync(join(tmpdir(), 'fgflow-explore-'));
const run = spawnSync(process.execPath, [BIN, 'experiment', ...TINY, '--out', dir], { encoding: 'utf8', timeout: 300_000 });

/** S and A of the page's first test image under the first model, as the experiment measures them in Node. */
async function nodeMeasures(payload: ExplorerPayload): Promise<{ S: readonly (number | null)[]; A: number | null }> {
  const t = await loadTrainedCheckpoint(join(dir, 'jobs', payload.models[0]!.name, 'checkpoint.ckpt'), {}, { out: dir }, { numerics: 'cpu' });
  const row = t.ids.indexOf(payload.images[0]!.id);
  const [r] = alignmentBatch(testImageModel(t.model, t.params, t.test), featureSet(payload.features), { images: channelOf(t.test.x, 0), masks: channelOf(t.test.x, 1), ids: t.ids }).slice(row, row + 1);
  return { S: r!.S, A: r!.A };
}

const payloadOf = (html: string): ExplorerPayload => JSON.parse(/<script type="application\/json" id="fgflow-explorer-data">(.*?)<\/script>/s.exec(readFileSync(html, 'utf8'))![1]!);

describe('fgflow explore', () => {
  it('writes one page whose CSP allows no request, holding every job of the report', async () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // the experiment's report.json is valid under the published JSON Schema (package.test checks that the build ships this one)
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const validate = ajv.compile(reportJsonSchema());
    expect(validate(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))), ajv.errorsText(validate.errors)).toBe(true);
    const html = await exploreCommand({ from: join(dir, 'report.json'), images: 3 });
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+' 'unsafe-eval' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:; connect-src 'none'/);
    expect(text).not.toMatch(/<script[^>]+src=|<link /);
    const payload = payloadOf(html);
    expect(payload.models.map((m) => m.name).sort()).toEqual(['baseline-seed0', 'pointwise-λ1-seed0', 'shuffled-labels-seed0']);
    expect(payload.images.length).toBeGreaterThan(0);
  });

  it('computes S and A in Chromium as Node does (within 1e-4) on cpu and on gpu.js, takes a dropped PNG and mask, with no console error or request', async () => {
    const html = join(dir, 'explorer.html');
    const payload = payloadOf(html);
    const expected = await nodeMeasures(payload);
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
      const { errors, requests } = watch(page);
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
      const ready = () => page.waitForFunction(() => document.body.dataset.state !== 'loading' && !/computing/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 120_000 });
      const measured = async () => Object.fromEntries(await page.$$eval('[data-measure]', (cells) => cells.map((c) => [c.getAttribute('data-measure')!, c.getAttribute('data-value')!])));
      const expectNodeValues = async (what: string) => {
        const got = await measured();
        payload.features.forEach((name, i) => expect(Math.abs(Number(got[`S:${name}`]) - expected.S[i]!), `${what}: S ${name}`).toBeLessThan(1e-4));
        expect(Math.abs(Number(got.A) - expected.A!), `${what}: A`).toBeLessThan(1e-4);
      };
      await ready();
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
      expect(await page.textContent('#backend-ran')).toMatch(/^ran on cpu in \d+ ms$/);
      await expectNodeValues('cpu');
      expect(await page.$$eval('#maps img', (imgs) => imgs.length)).toBe(payload.features.length + 2);

      await page.selectOption('#backend', 'gpujs-auto');
      await page.waitForFunction(() => /gpu\.js/.test(document.getElementById('backend-ran')!.textContent ?? ''), null, { timeout: 120_000 });
      await ready();
      expect(await page.textContent('#backend-ran')).toMatch(/^ran on gpu\.js (webgl2|webgl|webasm|cpu) \((WebGL2Kernel|WebGLKernel|WebAssemblyKernel|CPUKernel), [1-9]\d* kernel calls\)/);
      await expectNodeValues('gpu.js');

      const last = Number(await page.getAttribute('#scrub', 'max'));
      expect(last).toBeGreaterThan(0);
      await page.fill('#scrub', String(last));
      expect(await page.textContent('#path figcaption')).toContain(`point ${last} of ${last}`);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'explorer.png'), fullPage: true });
      expect(statSync(join(ARTIFACTS, 'explorer.png')).size).toBeGreaterThan(10_000);

      const sample = phantom({ n: 4, size: 128, seed: 5 }).samples[0]!;
      writePngOrThrow(sample.image, join(dir, 'ct.png'), { bitDepth: 16, offset: 1024 });
      writePngOrThrow(sample.mask, join(dir, 'ct-mask.png'), { scale: 255 });
      await page.setInputFiles('#files', [join(dir, 'ct.png'), join(dir, 'ct-mask.png')]);
      await page.waitForFunction(() => /ct\.png/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 120_000 });
      expect(await page.textContent('#status')).toContain('mask from ct-mask.png');
      for (const v of Object.values(await measured()).filter((v) => v !== '')) expect(Number.isFinite(Number(v))).toBe(true);

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('without --from or --checkpoint gets a usage error; a file that is not a report gets one naming it', async () => {
    await expect(exploreCommand({})).rejects.toMatchObject({ name: 'ExperimentError', code: 'usage', message: expect.stringMatching(/--from <report\.json> or --checkpoint/) });
    const bad = join(dir, 'not-a-report.json');
    writeFileSync(bad, '{"version": 2}');
    await expect(exploreCommand({ from: bad })).rejects.toMatchObject({ code: 'usage', message: expect.stringContaining(bad) });
    await expect(exploreCommand({ checkpoint: [join(dir, 'report.json')] })).rejects.toMatchObject({ code: 'mismatch', message: expect.stringMatching(/report\.json: not a readable checkpoint/) });
    await expect(exploreCommand({ from: join(dir, 'report.json'), images: 0 })).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/--images must be at least 1/) });
  });
});
