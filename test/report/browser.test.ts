/**
 * Opens the written report.html in headless Chromium (playwright-core driving
 * the system browser): no console or page errors, no network request, every
 * `.figure` laid out with a non-zero size, and a full-page screenshot saved to
 * test-artifacts/report.png for a person to look at.
 *
 * Needs /usr/bin/chromium: run scripts/setup-chromium.sh (CI does). Without it
 * this test fails on purpose rather than skipping.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/node.ts';
import { sampleReport } from '../../src/experiment/demo.ts';
import { launch, watch } from '../support/chromium.ts';
import { withValidation } from './validation-fixture.ts';

const ARTIFACTS = path.resolve('test-artifacts');

describe('report.html in headless Chromium', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'fgflow-report-browser-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('renders without errors, lays out every figure, and is screenshotted', async () => {
    // the demo plus a real tiny run's sanity checks, ablations and recovery study: every section
    const { html } = await writeReport(withValidation(sampleReport({ seeds: [0, 1, 2] })), tmp);
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
      const { errors, requests } = watch(page);
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

      // every image decoded
      type Img = { complete: boolean; naturalWidth: number; getAttribute(n: string): string | null };
      const broken = await page.$$eval('img', (imgs) =>
        (imgs as unknown as Img[]).filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.getAttribute('alt')),
      );
      expect(broken).toEqual([]);

      const figures = await page.$$('.figure');
      expect(figures.length).toBeGreaterThan(20);
      const empty: string[] = [];
      for (const [i, fig] of figures.entries()) {
        const box = await fig.boundingBox();
        if (box === null || box.width <= 0 || box.height <= 0) empty.push(`#${i} ${(await fig.getAttribute('data-figure')) ?? ''}: ${JSON.stringify(box)}`);
      }
      expect(empty).toEqual([]);
      const kinds = await Promise.all(figures.map((f) => f.getAttribute('data-figure')));
      for (const k of ['randomisation-S', 'randomisation-F', 'randomisation-table', 'label-randomisation', 'ablation-table', 'ablation-forest', 'reward-ablation', 'recovery-F', 'recovery-S', 'mixed-rule']) expect(kinds, k).toContain(k);

      // plots are drawn, not collapsed: each svg at least 200 × 100 px
      const svgSizes = await page.$$eval('svg.plot', (svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => [Math.round(r.width), Math.round(r.height)]));
      expect(svgSizes.length).toBeGreaterThan(5);
      for (const [w, h] of svgSizes) {
        expect(w).toBeGreaterThan(200);
        expect(h).toBeGreaterThan(100);
      }

      // nothing sticks out sideways
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).toBeLessThanOrEqual(0);

      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = path.join(ARTIFACTS, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
