/**
 * CT series with RTSTRUCT contours, written by dcmjs in the tests (no patient data): analytic
 * ellipses give masks of the right area and centroid; file order, copies, gaps, mixed series,
 * tilted gantries, missing ROIs and bad contours are handled or refused with a DataError.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDicom } from '../../src/data/dicom.ts';
import { applyFileWindow } from '../../src/data/dicom-voi.ts';
import { assembleSeries } from '../../src/data/series.ts';
import { loadDicomSubject, subjectSlices } from '../../src/data/subjects.ts';
import { ctSliceBytes, ellipsePoints, rampSlice, rtstructBytes, sopOf, writeSeries, type EllipseSlice, type RoiSpec, type SeriesLayout } from './dicom-series-helpers.ts';
import { expectDataError, makeTmp, right } from './helpers.ts';

const tmp = makeTmp('fgflow-series-');
afterAll(() => tmp.cleanup());
let folders = 0;
const folder = () => path.join(tmp.dir, `subject-${++folders}`);

const layout: SeriesLayout = { rows: 64, columns: 72, pixelSpacing: [0.7, 0.8], origin: [-28.4, -22.1, -40], step: 2.5, slices: 5 };
/** Ellipses growing through the series, rotated, off-centre: semi-axes 9–15 mm (11–21 pixels). */
const ellipses: EllipseSlice[] = [1, 2, 3].map((k, i) => ({ centre: [layout.origin[0] + 27.3 + i, layout.origin[1] + 21.9 - i, layout.origin[2] + k * layout.step], a: 11 + 2 * i, b: 8 + i, angle: 0.3 + 0.4 * i }));
const gtv = (sops = true): RoiSpec => ({ name: 'GTV-1', contours: ellipses.map((e, i) => ({ points: ellipsePoints(e), ...(sops ? { sops: [sopOf(i + 1)] } : {}) })) });

function subject(options: { rois?: RoiSpec[]; name?: (k: number) => string; slices?: (dir: string) => void } = {}): string {
  const dir = folder();
  writeSeries(path.join(dir, 'CT'), layout, options.name);
  options.slices?.(dir);
  fs.mkdirSync(path.join(dir, 'RTSTRUCT'));
  fs.writeFileSync(path.join(dir, 'RTSTRUCT', 'rs.dcm'), rtstructBytes(options.rois ?? [gtv(), { name: 'Parotid_L', contours: [] }]));
  return dir;
}

/** Mask area (pixels) and centroid (column, row) of slice k. */
function stats(mask: Float32Array, k: number): { area: number; cx: number; cy: number } {
  const plane = layout.rows * layout.columns;
  let area = 0, sx = 0, sy = 0;
  for (let i = 0; i < plane; i++)
    if (mask[k * plane + i]) {
      area++;
      sx += i % layout.columns;
      sy += Math.floor(i / layout.columns);
    }
  return { area, cx: sx / area, cy: sy / area };
}

describe('a CT series with an RTSTRUCT', () => {
  it('rasterises analytic ellipses to masks within 1% of their area and half a pixel of their centroid', () => {
    const s = right(loadDicomSubject(subject(), { roi: 'GTV-1' }));
    expect(s.image.size).toEqual([72, 64, 5]);
    expect(s.image.spacing).toEqual([0.8, 0.7, 2.5]);
    ellipses.forEach((e, i) => {
      const got = stats(s.mask, i + 1);
      const pixelArea = layout.pixelSpacing[0] * layout.pixelSpacing[1];
      expect(Math.abs(got.area - (Math.PI * e.a * e.b) / pixelArea) / ((Math.PI * e.a * e.b) / pixelArea)).toBeLessThan(0.01);
      expect(Math.abs(got.cx - (e.centre[0] - layout.origin[0]) / layout.pixelSpacing[1])).toBeLessThan(0.5);
      expect(Math.abs(got.cy - (e.centre[1] - layout.origin[1]) / layout.pixelSpacing[0])).toBeLessThan(0.5);
    });
    expect(stats(s.mask, 0).area).toBe(0);
    expect(s.notes[0]).toMatch(/ROI 'GTV-1'/);
  });

  it('applies the rescale: values are the stored ones times the slope plus the intercept (HU)', () => {
    const s = right(loadDicomSubject(subject(), { roi: 'GTV-1' }));
    const plane = layout.rows * layout.columns;
    expect(Array.from(s.image.data.subarray(2 * plane, 2 * plane + 5))).toEqual(Array.from(rampSlice(layout, 2).subarray(0, 5), (v) => v - 1024));
  });

  it('matches contours to slices by position within half a slice when they name no SOP instance', () => {
    const bySop = right(loadDicomSubject(subject(), { roi: 'GTV-1' }));
    const byZ = right(loadDicomSubject(subject({ rois: [gtv(false)] }), { roi: 'GTV-1' }));
    expect(Array.from(byZ.mask)).toEqual(Array.from(bySop.mask));
  });

  it('treats a contour inside another as a hole (even-odd) and unites the ROIs a pattern selects', () => {
    const e = ellipses[1]!;
    const inner = { ...e, a: e.a / 2, b: e.b / 2 };
    const ring = right(loadDicomSubject(subject({ rois: [{ name: 'GTV-P', contours: [{ points: ellipsePoints(e) }, { points: ellipsePoints(inner) }] }] }), { roi: 'GTV-P' }));
    const expected = (Math.PI * (e.a * e.b - inner.a * inner.b)) / (layout.pixelSpacing[0] * layout.pixelSpacing[1]);
    expect(Math.abs(stats(ring.mask, 2).area - expected) / expected).toBeLessThan(0.01);
    const two = right(loadDicomSubject(subject({ rois: [{ name: 'GTV-1', contours: [{ points: ellipsePoints(ellipses[0]!) }] }, { name: 'gtv-2', contours: [{ points: ellipsePoints(ellipses[2]!) }] }, { name: 'CTV', contours: [{ points: ellipsePoints(ellipses[1]!) }] }] }), { roi: /GTV.*/ }));
    expect([1, 2, 3].map((k) => stats(two.mask, k).area > 0)).toEqual([true, false, true]);
    expect(two.notes[0]).toMatch(/'GTV-1' \+ 'gtv-2'/);
  });

  it('gives the same volume whatever order and names the slice files have', () => {
    const sorted = right(loadDicomSubject(subject(), { roi: 'GTV-1' }));
    const shuffled = right(loadDicomSubject(subject({ name: (k) => `IMG${[3, 0, 4, 1, 2][k]}.dcm` }), { roi: 'GTV-1' }));
    expect(Array.from(shuffled.image.data)).toEqual(Array.from(sorted.image.data));
    expect(Array.from(shuffled.mask)).toEqual(Array.from(sorted.mask));
  });

  it('drops an exact copy of a slice, and refuses two different slices at one position naming both files', () => {
    const copy = right(loadDicomSubject(subject({ slices: (dir) => fs.copyFileSync(path.join(dir, 'CT', 'ct-2.dcm'), path.join(dir, 'CT', 'ct-2 copy.dcm')) }), { roi: 'GTV-1' }));
    expect(copy.image.size[2]).toBe(5);
    expect(copy.notes.join(' ')).toMatch(/dropped 1 exact copies/);
    const clash = loadDicomSubject(subject({ slices: (dir) => fs.writeFileSync(path.join(dir, 'CT', 'other.dcm'), ctSliceBytes({ ...layout, pixelSpacing: layout.pixelSpacing, position: [layout.origin[0], layout.origin[1], layout.origin[2] + 2 * layout.step], sop: '1.2.3.999', stored: rampSlice(layout, 9) })) }), { roi: 'GTV-1' });
    const e = expectDataError(clash, 'duplicate');
    expect(e.message).toMatch(/ct-2\.dcm and .*other\.dcm are two different slices at the same position/);
  });

  it('refuses a gap in the series, naming the files on either side', () => {
    const gap = loadDicomSubject(subject({ slices: (dir) => fs.rmSync(path.join(dir, 'CT', 'ct-3.dcm')) }), { roi: 'GTV-1' });
    expect(expectDataError(gap, 'bad-series').message).toMatch(/ct-2\.dcm and .*ct-4\.dcm are 5\.000 mm apart where the series steps 2\.500 mm \(a gap/);
  });

  it('takes the series the RTSTRUCT names when a folder holds two, and refuses two series it cannot tell apart', () => {
    const named = loadDicomSubject(subject({ slices: (dir) => writeSeries(path.join(dir, 'CT2'), { ...layout, origin: [0, 0, 100] }, (k) => `b${k}.dcm`, () => ({ series: '1.2.3.77' })) }), { roi: 'GTV-1' });
    expect(right(named).image.origin).toEqual(layout.origin);
    const dir = folder();
    writeSeries(path.join(dir, 'CT'), layout, (k) => `a${k}.dcm`);
    writeSeries(path.join(dir, 'CT2'), layout, (k) => `b${k}.dcm`, () => ({ series: '1.2.3.77' }));
    fs.writeFileSync(path.join(dir, 'rs.dcm'), rtstructBytes([gtv(false)], '1.2.3.unknown'));
    expect(expectDataError(loadDicomSubject(dir, { roi: 'GTV-1' }), 'bad-series').message).toMatch(/2 CT series and the structure set .*rs\.dcm references none of them/);
  });

  it('refuses slices of two series given as one, naming both', () => {
    const files = writeSeries(path.join(folder(), 'CT'), layout, undefined, (k) => (k === 2 ? { series: '1.2.3.77' } : {}));
    const slices = files.map((file) => ({ file, image: right(decodeDicom(fs.readFileSync(file), { file })) }));
    expect(expectDataError(assembleSeries(slices, 'subject'), 'bad-series').message).toMatch(/slices of 2 series are mixed .*1\.2\.3\.77 in .*ct-2\.dcm/);
  });

  it('refuses a tilted gantry: by its tag, and by slices that shift in-plane', () => {
    const tagged = loadDicomSubject(subject({ slices: (dir) => writeSeries(path.join(dir, 'CT'), layout, undefined, () => ({ gantryTilt: 12 })) }), { roi: 'GTV-1' });
    expect(expectDataError(tagged, 'bad-series').message).toMatch(/tilted gantry \(GantryDetectorTilt 12°\)/);
    const sheared = loadDicomSubject(subject({ slices: (dir) => writeSeries(path.join(dir, 'CT'), layout, undefined, (k) => ({ position: [layout.origin[0], layout.origin[1] + 0.9 * k, layout.origin[2] + k * layout.step] })) }), { roi: 'GTV-1' });
    expect(expectDataError(sheared, 'bad-series').message).toMatch(/shifted 0\.90 mm in-plane/);
  });

  it('an ROI the file lacks gets missing-roi listing the ROIs it has', () => {
    const e = expectDataError(loadDicomSubject(subject(), { roi: /GTVp/ }), 'missing-roi');
    expect(e.message).toMatch(/rs\.dcm: no ROI matches \/GTVp\/; it has 'GTV-1', 'Parotid_L'/);
  });

  it('an open contour and a contour off the grid each get bad-contour naming the file and the ROI', () => {
    const open = loadDicomSubject(subject({ rois: [{ name: 'GTV-1', contours: [{ points: ellipsePoints(ellipses[0]!), type: 'OPEN_PLANAR' }] }] }), { roi: 'GTV-1' });
    expect(expectDataError(open, 'bad-contour').message).toMatch(/rs\.dcm: ROI 'GTV-1' contour 0 is OPEN_PLANAR, not a closed planar contour/);
    const far = { ...ellipses[0]!, centre: [layout.origin[0] + 200, layout.origin[1], ellipses[0]!.centre[2]] as [number, number, number] };
    const off = loadDicomSubject(subject({ rois: [{ name: 'GTV-1', contours: [{ points: ellipsePoints(far) }] }] }), { roi: 'GTV-1' });
    expect(expectDataError(off, 'bad-contour').message).toMatch(/rs\.dcm: ROI 'GTV-1' contour 0 is off the pixel grid/);
    const between = { ...ellipses[0]!, centre: [ellipses[0]!.centre[0], ellipses[0]!.centre[1], layout.origin[2] + 30] as [number, number, number] };
    expect(expectDataError(loadDicomSubject(subject({ rois: [{ name: 'GTV-1', contours: [{ points: ellipsePoints(between) }] }] }), { roi: 'GTV-1' }), 'bad-contour').message).toMatch(/matches no slice/);
  });

  it('reads a series stored with flipped rows into the same canonical volume and mask', () => {
    const standard = right(loadDicomSubject(subject(), { roi: 'GTV-1' }));
    const dir = folder();
    // Columns now run right-to-left: the first pixel sits at the other end of each row.
    const flippedRow = (k: number) => {
      const src = rampSlice(layout, k);
      return Int16Array.from(src, (_, i) => src[Math.floor(i / layout.columns) * layout.columns + (layout.columns - 1 - (i % layout.columns))]!);
    };
    writeSeries(path.join(dir, 'CT'), layout, undefined, (k) => ({ orientation: [-1, 0, 0, 0, 1, 0], position: [layout.origin[0] + (layout.columns - 1) * layout.pixelSpacing[1], layout.origin[1], layout.origin[2] + k * layout.step], stored: flippedRow(k) }));
    fs.writeFileSync(path.join(dir, 'rs.dcm'), rtstructBytes([gtv()]));
    const flipped = right(loadDicomSubject(dir, { roi: 'GTV-1' }));
    expect(Array.from(flipped.image.data)).toEqual(Array.from(standard.image.data));
    expect(Array.from(flipped.mask)).toEqual(Array.from(standard.mask));
  });

  it('chooses the slice of largest tumour area by default, or every slice with tumour', () => {
    const s = right(loadDicomSubject(subject(), { roi: 'GTV-1' }));
    const [largest] = subjectSlices(s, 'largest');
    expect(largest!.slice).toBe(3);
    expect(largest!.spacing).toEqual([0.7, 0.8]);
    expect(subjectSlices(s, 'all').map((x) => x.id)).toEqual([1, 2, 3].map((k) => `${path.basename(s.id)}@${k}`));
  });
});

describe('display: MONOCHROME1 and the window from the file', () => {
  const one = (over: Partial<Parameters<typeof ctSliceBytes>[0]>) =>
    right(decodeDicom(ctSliceBytes({ rows: 1, columns: 4, pixelSpacing: [1, 1], position: [0, 0, 0], sop: '1.2.3', stored: Int16Array.of(0, 100, 200, 300), intercept: 0, ...over }), { file: 'x.dcm' }));

  it('inverts MONOCHROME1 about the stored range, so a larger value is brighter, and shows its window inverted', () => {
    const m1 = one({ photometric: 'MONOCHROME1', window: { center: 100, width: 201 } });
    expect(m1.invertedAbout).toBe(-1);
    expect(Array.from(m1.data)).toEqual([-1, -101, -201, -301]);
    const shown = right(applyFileWindow(m1, 'x.dcm')).data;
    const plain = right(applyFileWindow(one({ window: { center: 100, width: 201 } }), 'x.dcm')).data;
    // both are float32: 1 − v agrees to its rounding
    plain.forEach((v, i) => expect(shown[i]!).toBeCloseTo(1 - v, 6));
    expect(shown[0]).toBeGreaterThan(shown[3]!); // in MONOCHROME1 a low stored value is bright
  });

  it('applies WindowCenter/WidthWidth by VOILUTFunction, and the VOI LUT in preference', () => {
    expect(Array.from(right(applyFileWindow(one({ window: { center: 150, width: 200, fn: 'LINEAR_EXACT' } }), 'x.dcm')).data)).toEqual([0, 0.25, 0.75, 1]);
    const lut = one({ window: { center: 0, width: 1 }, voiLut: { firstMapped: 100, bits: 8, entries: [0, 51, 255] } });
    expect(Array.from(right(applyFileWindow(lut, 'x.dcm')).data)).toEqual([0, 0, 1, 1]);
  });

  it('a file with no window gets a bad-option DataError naming it', () => {
    expectDataError(applyFileWindow(one({}), 'x.dcm', 'x.dcm'), 'bad-option', 'x.dcm');
  });
});
