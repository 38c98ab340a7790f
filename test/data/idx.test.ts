import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { decodeIdx, encodeIdx, idxImage, idxImageCount, type IdxArray } from '../../src/data/idx.ts';
import { readIdx, readIdxOrThrow, writeIdx, readImageFile } from '../../src/data/files.ts';
import { DataError } from '../../src/data/errors.ts';
import { expectDataError, makeTmp, right } from './helpers.ts';

const tmp = makeTmp();
afterAll(() => tmp.cleanup());

describe('IDX', () => {
  it('hand-written MNIST-style ubyte images (raw bytes) decode', () => {
    // magic 0x00000803, dims 2 × 2 × 3
    const b = Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255]);
    const a = right(decodeIdx(b));
    expect(a.type).toBe('ubyte');
    expect(a.dims).toEqual([2, 2, 3]);
    expect(idxImageCount(a)).toBe(2);
    const im = right(idxImage(a, 1));
    expect([im.width, im.height]).toEqual([3, 2]);
    expect(Array.from(im.data)).toEqual([7, 8, 9, 10, 11, 255]);
    // labels file: magic 0x00000801
    const l = right(decodeIdx(Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 1])));
    expect(Array.from(l.data)).toEqual([0, 1, 1]);
  });

  const arrays: IdxArray[] = [
    { type: 'ubyte', dims: [2, 3, 4], data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) },
    { type: 'byte', dims: [5], data: Int8Array.from([-128, -1, 0, 1, 127]) },
    { type: 'short', dims: [2, 2], data: Int16Array.from([-32768, -1, 1024, 32767]) },
    { type: 'int', dims: [3], data: Int32Array.from([-2147483648, 0, 2147483647]) },
    { type: 'float', dims: [1, 2, 2], data: Float32Array.from([0.5, -1.25, 3e10, -0]) },
    { type: 'double', dims: [2], data: Float64Array.from([Math.PI, -1e-300]) },
  ];
  for (const a of arrays) {
    it(`${a.type}: writeIdx/readIdx round trip, raw and gzip`, () => {
      for (const gz of [false, true]) {
        const file = tmp.file(`a-${a.type}.idx${gz ? '.gz' : ''}`);
        right(writeIdx(file, a));
        const head = fs.readFileSync(file).subarray(0, 2);
        expect(head[0] === 0x1f && head[1] === 0x8b).toBe(gz);
        const back = right(readIdx(file));
        expect(back.type).toBe(a.type);
        expect(back.dims).toEqual(a.dims);
        expect(Array.from(back.data)).toEqual(Array.from(a.data));
      }
    });
  }

  it('real MNIST digits written as IDX (from the mnist package) read back through readImageFile', () => {
    const mnist = createRequire(import.meta.url)('mnist') as { raw: number[] }[];
    const n = 5;
    const data = Uint8Array.from({ length: n * 784 }, (_, i) => Math.round((mnist[3]!.raw[i] as number) * 255));
    const file = tmp.file('t10k-images-idx3-ubyte.gz');
    right(writeIdx(file, { type: 'ubyte', dims: [n, 28, 28], data }));
    const im = right(readImageFile(file, { index: 4 }));
    expect([im.width, im.height]).toEqual([28, 28]);
    expect(Array.from(im.data)).toEqual(Array.from(data.subarray(4 * 784, 5 * 784)));
    expect(Math.max(...im.data)).toBeGreaterThan(200);
  });

  it('bad input: missing, bad magic, unknown type, truncated, trailing, bad gzip, bad index', () => {
    const missing = tmp.file('none.idx');
    expectDataError(readIdx(missing), 'missing-file', missing);
    expect(() => readIdxOrThrow(missing)).toThrow(DataError);
    const put = (name: string, b: Uint8Array | number[]): string => {
      const f = tmp.file(name);
      fs.writeFileSync(f, Buffer.from(b));
      return f;
    };
    const magic = put('magic.idx', [1, 0, 8, 1, 0, 0, 0, 1, 5]);
    expectDataError(readIdx(magic), 'unreadable', magic);
    const type = put('type.idx', [0, 0, 7, 1, 0, 0, 0, 1, 5]);
    expectDataError(readIdx(type), 'unsupported-format', type);
    const trunc = put('trunc.idx', [0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 3, 1, 2, 3]);
    expectDataError(readIdx(trunc), 'truncated', trunc);
    const hdr = put('hdr.idx', [0, 0, 8, 3, 0, 0]);
    expectDataError(readIdx(hdr), 'truncated', hdr);
    const huge = put('huge.idx', [0, 0, 0x0e, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]);
    expectDataError(readIdx(huge), 'truncated', huge);
    const trailing = put('trailing.idx', [0, 0, 8, 1, 0, 0, 0, 1, 5, 6]);
    expectDataError(readIdx(trailing), 'size-mismatch', trailing);
    const gz = zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 4]));
    const badgz = put('bad.idx.gz', gz.subarray(0, gz.length - 6));
    const e = readIdx(badgz);
    expect(e._tag === 'Left' && ['truncated', 'unreadable'].includes(e.left.code)).toBe(true);
    expect(e._tag === 'Left' && e.left.message).toContain(badgz);
    const a = right(decodeIdx(Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9])));
    expectDataError(idxImage(a, 1, 'x.idx'), 'bad-option', 'x.idx');
    expectDataError(idxImage(right(decodeIdx(Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 9]))), 0, 'v.idx'), 'unsupported-format', 'v.idx');
    expectDataError(encodeIdx({ type: 'ubyte', dims: [3], data: new Uint8Array(2) }), 'bad-option');
  });
});

