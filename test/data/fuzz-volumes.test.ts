/**
 * Mutation fuzzing of the volume loaders: RTSTRUCTs, NIfTI volumes (qform and sform, raw and
 * gzip) and a CT series with one mutated slice, through assembly and rasterisation. Every outcome
 * is a valid value or a DataError, never another exception or a stall.
 */
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { describe, it } from 'vitest';
import { decodeDicom } from '../../src/data/dicom.ts';
import { decodeNiftiVolume } from '../../src/data/nifti-volume.ts';
import { rasterizeRois } from '../../src/data/rasterize.ts';
import { decodeRtStruct, type RtStruct } from '../../src/data/rtstruct.ts';
import { assembleSeries } from '../../src/data/series.ts';
import { ctSliceBytes, ellipsePoints, rampSlice, rtstructBytes, sopOf, type SeriesLayout } from './dicom-series-helpers.ts';
import { fuzz, report, RUNS } from './fuzz-support.ts';
import { right } from './helpers.ts';
import { niftiVolumeBytes } from './volume-helpers.ts';

const layout: SeriesLayout = { rows: 12, columns: 10, pixelSpacing: [1.5, 1.25], origin: [-6, -8, 0], step: 3, slices: 3 };
const rois = [
  { name: 'GTV-1', contours: [{ points: ellipsePoints({ centre: [0, -1, 3], a: 4, b: 3, angle: 0.2 }, 24), sops: [sopOf(1)] }] },
  { name: 'GTV-2', contours: [{ points: ellipsePoints({ centre: [1, 0, 6], a: 3, b: 2, angle: 0 }, 12) }, { points: ellipsePoints({ centre: [1, 0, 6], a: 1, b: 1, angle: 0 }, 8) }] },
];
const sliceBytes = (k: number) => ctSliceBytes({ ...layout, position: [layout.origin[0], layout.origin[1], layout.origin[2] + k * layout.step], sop: sopOf(k), stored: rampSlice(layout, k) });
const validRt = (rt: RtStruct) => Array.isArray(rt.rois) && rt.rois.every((r) => typeof r.name === 'string' && r.contours.every((c: { readonly points: Float64Array }) => c.points.length % 3 === 0));

describe('fuzz: mutated volumes give a value or a DataError, never a throw or a hang', () => {
  it(`RTSTRUCT (${RUNS} mutations)`, () => {
    report('rtstruct', fuzz('rtstruct', [rtstructBytes(rois)], (b) => decodeRtStruct(b, { file: 'fuzz-rs.dcm' }), validRt, 401));
  });

  it(`NIfTI volumes (${RUNS} mutations of qform and sform files, raw and gzip)`, () => {
    const data = Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => i - 5);
    const q = niftiVolumeBytes(data, [4, 3, 2], [1, 2, 3], [1, 2, 3], { perm: [2, 0, 1], sign: [-1, 1, -1], placement: 'qform' });
    const s = niftiVolumeBytes(data, [4, 3, 2], [1, 2, 3], [1, 2, 3], { perm: [0, 1, 2], sign: [-1, -1, 1], placement: 'sform' });
    const bases = [q, s, new Uint8Array(zlib.gzipSync(q))];
    report('nifti-volume', fuzz('nifti-volume', bases, (b) => decodeNiftiVolume(b, { file: 'fuzz.nii' }), (v) => v.data.length === v.size[0] * v.size[1] * v.size[2], 402));
  });

  it(`a CT series with one mutated slice, assembled and contoured (${RUNS} mutations)`, () => {
    const others = [0, 2].map((k) => ({ file: `ct-${k}.dcm`, image: right(decodeDicom(sliceBytes(k), { file: `ct-${k}.dcm` })) }));
    const rt = right(decodeRtStruct(rtstructBytes(rois), { file: 'rs.dcm' }));
    const build = (b: Uint8Array) => {
      const slice = decodeDicom(b, { file: 'ct-1.dcm' });
      if (E.isLeft(slice)) return slice;
      const series = assembleSeries([...others, { file: 'ct-1.dcm', image: slice.right }], 'fuzz subject');
      return E.isLeft(series) ? series : rasterizeRois(series.right, rt, rt.rois);
    };
    report('ct-series', fuzz('ct-series', [sliceBytes(1)], build, (m) => m.data.every((v) => v === 0 || v === 1), 403));
  });
});
