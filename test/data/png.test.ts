import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { encode as encodeWithFastPng } from 'fast-png';
import * as E from 'fp-ts/lib/Either.js';
import { decodePng, encodePng } from '../../src/data/png.ts';
import { readPng, readPngOrThrow, writePng, readImageFile, readMaskFile } from '../../src/data/files.ts';
import { DataError } from '../../src/data/errors.ts';
import type { Image2D } from '../../src/data/types.ts';
import { expectDataError, makeTmp, right } from './helpers.ts';

const tmp = makeTmp();
afterAll(() => tmp.cleanup());

const ramp = (w: number, h: number, f: (i: number) => number): Image2D => ({
  width: w,
  height: h,
  data: Float32Array.from({ length: w * h }, (_, i) => f(i)),
});

/** A PNG assembled by hand: 8-bit grey, optional Adam7 interlace, every row filter 0. */
const handPng = (w: number, h: number, px: (x: number, y: number) => number, interlace: boolean): Uint8Array => {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  ihdr[12] = interlace ? 1 : 0;
  const raw: number[] = [];
  const passes = interlace
    ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]
    : [[0, 0, 1, 1]];
  for (const [x0, y0, dx, dy] of passes as [number, number, number, number][]) {
    for (let y = y0; y < h; y += dy) {
      if (x0 >= w) continue;
      raw.push(0);
      for (let x = x0; x < w; x += dx) raw.push(px(x, y));
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.from(raw))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
};

describe('PNG', () => {
  it('hand-assembled PNGs, plain and Adam7-interlaced, decode exactly', () => {
    for (const [w, h] of [
      [1, 1],
      [5, 3],
      [13, 11],
    ] as const) {
      const f = (x: number, y: number) => (x * 17 + y * 31) % 256;
      for (const il of [false, true]) {
        const im = right(decodePng(handPng(w, h, f, il)));
        expect([im.width, im.height]).toEqual([w, h]);
        expect(Array.from(im.data)).toEqual(Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w))));
      }
    }
  });

  it('a header claiming more pixels than the data holds is truncated (a decoder may pad it)', () => {
    const b = Buffer.from(handPng(8, 8, () => 9, false));
    b.writeUInt32BE(4096, 16);
    b.writeUInt32BE(4096, 20);
    b.writeUInt32BE(zlib.crc32(b.subarray(12, 29)), 29);
    const e = expectDataError(decodePng(b, { file: 'big.png' }), 'truncated', 'big.png');
    expect(e.message).toContain('4096×4096');
  });

  it('8-bit grey round trip (write with fast-png via writePng, read back)', () => {
    const im = ramp(7, 5, (i) => (i * 9) % 256);
    const file = tmp.file('g8.png');
    right(writePng(im, file, { bitDepth: 8 }));
    const back = right(readPng(file));
    expect([back.width, back.height, back.bitDepth, back.color]).toEqual([7, 5, 8, false]);
    expect(Array.from(back.data)).toEqual(Array.from(im.data));
  });

  it('16-bit grey round trip keeps full precision; HU via intercept', () => {
    const hu = ramp(9, 4, (i) => -1024 + i * 97);
    const file = tmp.file('g16.png');
    right(writePng(hu, file, { bitDepth: 16, offset: 1024 }));
    const back = right(readPng(file, { intercept: -1024 }));
    expect(back.bitDepth).toBe(16);
    expect(Array.from(back.data)).toEqual(Array.from(hu.data));
    expect(Math.max(...right(readPng(file)).data)).toBe(35 * 97);
  });

  it('writes clip and round', () => {
    const bytes = right(encodePng({ width: 4, height: 1, data: new Float32Array([-5, 0.4, 0.6, 300]) }));
    expect(Array.from(right(decodePng(bytes)).data)).toEqual([0, 0, 1, 255]);
    const scaled = right(encodePng({ width: 2, height: 1, data: new Float32Array([0, 1]) }, { scale: 255 }));
    expect(Array.from(right(decodePng(scaled)).data)).toEqual([0, 255]);
  });

  it('RGB and RGBA (written with fast-png directly) → luma', () => {
    const pixels = [255, 0, 0, 255, 0, 255, 0, 128, 10, 20, 30, 0];
    const rgba = encodeWithFastPng({ width: 3, height: 1, data: Uint8Array.from(pixels), channels: 4, depth: 8 });
    const im = right(decodePng(rgba));
    expect(im.color).toBe(true);
    expect(im.data[0]).toBeCloseTo(0.299 * 255, 3);
    expect(im.data[1]).toBeCloseTo(0.587 * 255, 3);
    expect(im.data[2]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 3);
    // colorType 2 (RGB, no alpha): the same pixels without their alpha
    const rgb = encodeWithFastPng({ width: 3, height: 1, data: Uint8Array.from(pixels.filter((_, i) => i % 4 !== 3)), channels: 3, depth: 8 });
    const im2 = right(decodePng(rgb));
    expect(im2.colorType).toBe(2);
    expect(im2.data[0]).toBeCloseTo(0.299 * 255, 3);
  });

  it('1-, 2- and 4-bit grey rows (packed, each starting on a byte) decode to their stored values; palette images to the luma of their colours', () => {
    for (const depth of [1, 2, 4] as const) {
      const [w, h] = [5, 3];
      const value = (x: number, y: number) => (x + 2 * y) % (1 << depth);
      const rowBytes = Math.ceil((w * depth) / 8);
      const packed = new Uint8Array(rowBytes * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) packed[y * rowBytes + ((x * depth) >> 3)]! |= value(x, y) << (8 - depth - ((x * depth) & 7));
      const im = right(decodePng(encodeWithFastPng({ width: w, height: h, data: packed, depth, channels: 1 })));
      expect([im.bitDepth, im.color], `depth ${depth}`).toEqual([depth, false]);
      expect(Array.from(im.data), `depth ${depth}`).toEqual(Array.from({ length: w * h }, (_, i) => value(i % w, Math.floor(i / w))));
    }
    const palette = [[255, 0, 0], [0, 0, 255]];
    const pal = right(decodePng(encodeWithFastPng({ width: 3, height: 1, data: new Uint8Array([1, 0, 1]), depth: 8, channels: 1, palette })));
    expect([pal.colorType, pal.bitDepth, pal.color]).toEqual([3, 8, true]);
    expect(Array.from(pal.data)).toEqual([0.114 * 255, 0.299 * 255, 0.114 * 255].map((v) => Math.fround(v)));
    const beyond = encodeWithFastPng({ width: 2, height: 1, data: new Uint8Array([0, 1]), depth: 8, channels: 1, palette: [[9, 9, 9]] });
    expect(expectDataError(decodePng(beyond, { file: 'pal.png' }), 'unreadable', 'pal.png').message).toMatch(/palette index 1 .* 1-colour palette/);
  });

  it('masks via readMaskFile binarize 0/255 PNGs; a grey one (0, 1, 255) gets bad-mask unless maskThreshold is given', () => {
    const binary = tmp.file('mask-binary.png');
    right(writePng({ width: 3, height: 1, data: new Float32Array([0, 255, 255]) }, binary));
    expect(Array.from(right(readMaskFile(binary)).data)).toEqual([0, 1, 1]);
    const file = tmp.file('mask.png');
    right(writePng({ width: 3, height: 1, data: new Float32Array([0, 255, 1]) }, file));
    const e = expectDataError(readMaskFile(file), 'bad-mask', file);
    expect(e.message).toContain('maskThreshold');
    expect(Array.from(right(readMaskFile(file, { maskThreshold: 0 })).data)).toEqual([0, 1, 1]);
    expect(Array.from(right(readImageFile(file)).data)).toEqual([0, 255, 1]);
  });

  it('bad input: missing, not PNG, truncated, corrupt CRC, bad write options', () => {
    const missing = tmp.file('none.png');
    expectDataError(readPng(missing), 'missing-file', missing);
    expect(() => readPngOrThrow(missing)).toThrow(DataError);
    const notPng = tmp.file('text.png');
    fs.writeFileSync(notPng, 'hello, this is not a png file at all');
    expectDataError(readPng(notPng), 'unreadable', notPng);
    const good = right(encodePng(ramp(16, 16, (i) => i % 256)));
    const trunc = tmp.file('trunc.png');
    fs.writeFileSync(trunc, good.subarray(0, good.length - 20));
    const r = readPng(trunc);
    expect(E.isLeft(r) && ['truncated', 'unreadable'].includes(r.left.code)).toBe(true);
    expect(E.isLeft(r) && r.left.message).toContain(trunc);
    const tiny = tmp.file('tiny.png');
    fs.writeFileSync(tiny, good.subarray(0, 20));
    expectDataError(readPng(tiny), 'truncated', tiny);
    const crc = tmp.file('crc.png');
    const bad = Buffer.from(good);
    bad[20] = bad[20]! ^ 0xff; // IHDR height byte, CRC now wrong
    fs.writeFileSync(crc, bad);
    const rc = readPng(crc);
    expect(E.isLeft(rc) && rc.left.message).toContain(crc);
    expectDataError(encodePng(ramp(2, 2, () => 0), { bitDepth: 12 as 8 }), 'bad-option');
    expectDataError(encodePng({ width: 3, height: 3, data: new Float32Array(4) }), 'bad-option');
    const dir = tmp.file('no-such-dir/x.png');
    expectDataError(writePng(ramp(2, 2, () => 0), dir), 'write-failed', dir);
  });
});
