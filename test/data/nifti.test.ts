import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { decodeNifti } from '../../src/data/nifti.ts';
import { readNifti, readNiftiOrThrow, readImageFile } from '../../src/data/files.ts';
import { DataError } from '../../src/data/errors.ts';
import { expectDataError, makeTmp, right, writeNiftiBytes, type NiftiDtype } from './helpers.ts';

const tmp = makeTmp();
afterAll(() => tmp.cleanup());

// volume nx=4, ny=3, nz=5: value = 100 z + 10 y + x
const nx = 4;
const ny = 3;
const nz = 5;
const vol = Array.from({ length: nx * ny * nz }, (_, i) => {
  const x = i % nx;
  const y = Math.floor(i / nx) % ny;
  const z = Math.floor(i / (nx * ny));
  return 100 * z + 10 * y + x;
});
const sliceOf = (z: number, scale = 1, off = 0): number[] => vol.slice(z * nx * ny, (z + 1) * nx * ny).map((v) => v * scale + off);

describe('NIfTI-1', () => {
  for (const dtype of ['uint8', 'int16', 'uint16', 'int32', 'float32', 'float64'] as NiftiDtype[]) {
    for (const le of [true, false]) {
      it(`${dtype} ${le ? 'little' : 'big'} endian, middle slice by default, raw and gz`, () => {
        const values = dtype === 'uint8' ? vol.map((v) => v % 256) : vol;
        const bytes = writeNiftiBytes({ dims: [nx, ny, nz], dtype, values, littleEndian: le });
        const raw = tmp.file(`v-${dtype}-${le}.nii`);
        const gz = tmp.file(`v-${dtype}-${le}.nii.gz`);
        fs.writeFileSync(raw, bytes);
        fs.writeFileSync(gz, zlib.gzipSync(bytes));
        for (const file of [raw, gz]) {
          const im = right(readNifti(file));
          expect([im.width, im.height, im.slice]).toEqual([nx, ny, 2]);
          expect(im.dims).toEqual([3, nx, ny, nz]);
          expect(im.datatype).toBe(dtype);
          const expected = dtype === 'uint8' ? sliceOf(2).map((v) => v % 256) : sliceOf(2);
          expect(Array.from(im.data)).toEqual(expected);
          expect(Array.from(right(readNifti(file, { slice: 4 })).data)).toEqual(
            dtype === 'uint8' ? sliceOf(4).map((v) => v % 256) : sliceOf(4),
          );
        }
      });
    }
  }

  it('applies scl_slope / scl_inter; slope 0 means no scaling', () => {
    const scaled = writeNiftiBytes({ dims: [nx, ny, nz], dtype: 'int16', values: vol, slope: 2, inter: -1024 });
    expect(Array.from(right(decodeNifti(scaled, { slice: 1 })).data)).toEqual(sliceOf(1, 2, -1024));
    expect(Array.from(right(decodeNifti(scaled, { slice: 1, rescale: false })).data)).toEqual(sliceOf(1));
    const zero = writeNiftiBytes({ dims: [nx, ny, nz], dtype: 'int16', values: vol, slope: 0, inter: 55 });
    expect(Array.from(right(decodeNifti(zero, { slice: 1 })).data)).toEqual(sliceOf(1));
  });

  it('2-D images and 4-D volumes', () => {
    const two = writeNiftiBytes({ dims: [nx, ny], dtype: 'float32', values: sliceOf(0) });
    const im = right(decodeNifti(two));
    expect([im.width, im.height, im.slice]).toEqual([nx, ny, 0]);
    const four = writeNiftiBytes({ dims: [nx, ny, nz, 2], dtype: 'int16', values: [...vol, ...vol.map((v) => -v)] });
    expect(Array.from(right(decodeNifti(four, { slice: 3, volume: 1 })).data)).toEqual(sliceOf(3, -1));
    expectDataError(decodeNifti(four, { volume: 2, file: 'four.nii' }), 'bad-option', 'four.nii');
  });

  it('loads through readImageFile by extension', () => {
    const file = tmp.file('img.nii.gz');
    fs.writeFileSync(file, zlib.gzipSync(writeNiftiBytes({ dims: [nx, ny, nz], dtype: 'int16', values: vol })));
    expect(Array.from(right(readImageFile(file, { index: 0 })).data)).toEqual(sliceOf(0));
  });

  it('bad input: missing, truncated, garbage, bad gzip, slice out of range', () => {
    const missing = tmp.file('missing.nii');
    expectDataError(readNifti(missing), 'missing-file', missing);
    expect(() => readNiftiOrThrow(missing)).toThrow(DataError);
    const good = writeNiftiBytes({ dims: [nx, ny, nz], dtype: 'int16', values: vol });
    const trunc = tmp.file('trunc.nii');
    fs.writeFileSync(trunc, good.subarray(0, good.length - 7));
    expectDataError(readNifti(trunc), 'truncated', trunc);
    const short = tmp.file('short.nii');
    fs.writeFileSync(short, good.subarray(0, 100));
    expectDataError(readNifti(short), 'truncated', short);
    const garbage = tmp.file('garbage.nii');
    fs.writeFileSync(garbage, Buffer.alloc(600, 7));
    expectDataError(readNifti(garbage), 'unreadable', garbage);
    const badgz = tmp.file('bad.nii.gz');
    const z = zlib.gzipSync(good);
    fs.writeFileSync(badgz, z.subarray(0, z.length >> 1));
    const r = readNifti(badgz);
    expect(E.isLeft(r) && ['truncated', 'unreadable'].includes(r.left.code)).toBe(true);
    expect(E.isLeft(r) && r.left.message).toContain(badgz);
    const ok = tmp.file('ok.nii');
    fs.writeFileSync(ok, good);
    expectDataError(readNifti(ok, { slice: 5 }), 'bad-option', ok);
  });

  it('unsupported datatype', () => {
    const b = writeNiftiBytes({ dims: [2, 2], dtype: 'int16', values: [1, 2, 3, 4] });
    new DataView(b.buffer).setInt16(70, 32, true); // complex64
    new DataView(b.buffer).setInt16(72, 64, true);
    expectDataError(decodeNifti(b, { file: 'complex.nii' }), 'unsupported-format', 'complex.nii');
  });
});
