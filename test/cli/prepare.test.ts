/**
 * fgflow prepare end to end on DICOM and NIfTI subjects written in the test (no patient data),
 * and explain --onnx on the PyTorch fixture.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/data/manifest.ts';
import { ellipsePoints, rtstructBytes, writeSeries, type SeriesLayout } from '../data/dicom-series-helpers.ts';
import { makeTmp } from '../data/helpers.ts';
import { niftiVolumeBytes } from '../data/volume-helpers.ts';

const BIN = join(import.meta.dirname, '../../bin/fgflow.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 180_000 });
const tmp = makeTmp('fgflow-prepare-');
afterAll(() => tmp.cleanup());

const layout: SeriesLayout = { rows: 40, columns: 40, pixelSpacing: [0.9, 0.9], origin: [-18, -18, 0], step: 3, slices: 4 };

/** Patients HN-1 … HN-4 with GTVs of growing size; HN-5's structure set has no GTV. */
function dicomRoot(): string {
  const root = join(tmp.dir, 'Head-Neck');
  for (let p = 1; p <= 5; p++) {
    const dir = join(root, `HN-${p}`, 'study', 'CT');
    writeSeries(dir, layout);
    const contours = [1, 2].map((k) => ({ points: ellipsePoints({ centre: [0, 0, k * layout.step], a: 4 + p + k, b: 3 + p, angle: 0.2 * p }, 64) }));
    fs.writeFileSync(join(root, `HN-${p}`, 'study', 'rs.dcm'), rtstructBytes([{ name: p === 5 ? 'Parotid' : 'GTV-P', contours }]));
  }
  fs.writeFileSync(join(tmp.dir, 'clinical.csv'), 'Patient #,Distant\nHN-1,No\nHN-2,Yes\nHN-3,no\nHN-4,yes\nHN-5,no\n');
  return root;
}

describe('fgflow prepare', () => {
  const root = dicomRoot();
  const args = (out: string) => ['prepare', '--dicom', root, '--roi', 'GTV.*', '--labels', join(tmp.dir, 'clinical.csv'), '--id-column', 'Patient #', '--label-column', 'Distant', '--out', out, '--quiet'];

  it('a subject that fails gets a one-line error naming it, and nothing is written', () => {
    const out = join(tmp.dir, 'refused');
    const r = run(args(out));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^fgflow: subject HN-5: .*rs\.dcm: no ROI matches \/GTV\.\*\/; it has 'Parotid' \(nothing was written; --keep-going/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('with --keep-going writes the other subjects, one slice each at their largest tumour area, with their spacing, and lists the skipped one', () => {
    const out = join(tmp.dir, 'prepared');
    const r = run([...args(out).filter((a) => a !== '--quiet'), '--keep-going']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/HN-1: slice 2 — ROI 'GTV-P'/);
    expect(r.stderr).toMatch(/HN-5: skipped — .*no ROI matches/);
    const ds = readManifest(join(out, 'manifest.csv'));
    if (E.isLeft(ds)) throw ds.left;
    expect(ds.right.samples.map((s) => [s.id, s.label, s.spacing])).toEqual([1, 2, 3, 4].map((p) => [`HN-${p}`, (p % 2 === 0 ? 1 : 0), [0.9, 0.9]]));
    // HU survive the 16-bit PNG: the series' stored values minus 1024
    expect(Math.min(...ds.right.samples[0]!.image.data)).toBeGreaterThanOrEqual(900 - 1024);
    expect(JSON.parse(fs.readFileSync(join(out, 'prepare.json'), 'utf8')).subjects).toHaveLength(5);
  });

  it('--spacing resamples to square pixels of that size, and NIfTI subjects pair images and masks by name', () => {
    const images = join(tmp.dir, 'imagesTr'), masks = join(tmp.dir, 'labelsTr');
    fs.mkdirSync(images);
    fs.mkdirSync(masks);
    const size = [20, 16, 3] as const;
    for (const [i, id] of ['case1', 'case2'].entries()) {
      const image = Float32Array.from({ length: 960 }, (_, n) => (n % 37) * 10 - 200);
      const mask = Float32Array.from({ length: 960 }, (_, n) => (Math.floor(n / 320) === 1 + i % 2 && Math.abs((n % 20) - 9) < 4 && Math.abs(Math.floor((n % 320) / 20) - 8) < 3 ? 1 : 0));
      fs.writeFileSync(join(images, `${id}_0000.nii`), niftiVolumeBytes(image, size, [0.5, 0.5, 2], [0, 0, 0], { perm: [0, 1, 2], sign: [-1, -1, 1], placement: 'qform' }));
      fs.writeFileSync(join(masks, `${id}.nii`), niftiVolumeBytes(mask, size, [0.5, 0.5, 2], [0, 0, 0], { perm: [0, 1, 2], sign: [-1, -1, 1], placement: 'qform' }));
    }
    fs.writeFileSync(join(tmp.dir, 'nifti-labels.csv'), 'id,label\ncase1,0\ncase2,1\n');
    const out = join(tmp.dir, 'from-nifti');
    const r = run(['prepare', '--nifti', images, '--nifti-masks', masks, '--labels', join(tmp.dir, 'nifti-labels.csv'), '--spacing', '1', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const ds = readManifest(join(out, 'manifest.csv'));
    if (E.isLeft(ds)) throw ds.left;
    expect(ds.right.samples.map((s) => [s.id, s.image.width, s.image.height, s.spacing])).toEqual([['case1', 10, 8, [1, 1]], ['case2', 10, 8, [1, 1]]]);
  });
});

describe('fgflow explain --onnx', () => {
  it('measures S, A and F of the PyTorch-exported CNN on the test split, reading [CT, mask] as its two channels', () => {
    const onnx = join(import.meta.dirname, '../nn/onnx/fixtures/small-cnn.onnx');
    const r = run(['explain', '--onnx', onnx, '--size', '24', '--crop', '24', '--subjects', '40', '--positives', '10', '--noise-draws', '2', '--flow-samples', '2', '--flow-steps', '4', '--examples', '0', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { data: { units: string; nTest: number }; models: { spanAlignment: { mean: number }; auc: { mean: number } }[] };
    expect(out.data.units).toBe('mm');
    expect(out.data.nTest).toBe(12);
    expect(out.models).toHaveLength(1);
    const A = out.models[0]!.spanAlignment.mean;
    expect(A).toBeGreaterThan(0);
    expect(A).toBeLessThanOrEqual(1);
    expect(out.models[0]!.auc.mean).toBeGreaterThanOrEqual(0);
  });

  it('a model whose input size differs from --size gets a usage error naming both', () => {
    const onnx = join(import.meta.dirname, '../nn/onnx/fixtures/small-cnn.onnx');
    const r = run(['explain', '--onnx', onnx, '--size', '32', '--subjects', '40', '--positives', '10', '--quiet']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/small-cnn\.onnx: the model takes 24×24 images; pass --size 24/);
  });
});
