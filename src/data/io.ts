/** Decompression shared by the decoders (fflate: no Node built-ins), with typed errors and a size cap. */
import CRC32 from 'crc-32';
import { Gunzip, Inflate } from 'fflate';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail } from './errors.ts';

/** Largest decompressed size the loaders accept (1 GiB). */
export const MAX_INFLATED_BYTES = 1 << 30;

export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

type Stream = new (ondata: (chunk: Uint8Array, final: boolean) => void) => { push(chunk: Uint8Array, final?: boolean): void };

/** Inflates `b` whole through `Stream`, refusing to grow past `MAX_INFLATED_BYTES` (a decompression bomb). */
const inflateCapped = (Stream: Stream, b: Uint8Array): Uint8Array => {
  const chunks: Uint8Array[] = [];
  let total = 0;
  new Stream((chunk) => {
    total += chunk.length;
    if (total > MAX_INFLATED_BYTES) throw new RangeError(`data inflates to more than ${MAX_INFLATED_BYTES} bytes`);
    chunks.push(chunk);
  }).push(b, true);
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

const truncation = /unexpected end|EOF|incomplete|truncat/i;

/**
 * The gzip trailer (CRC-32 and size of the data, mod 2^32) checked against what inflated: fflate
 * stops at the end of the deflate stream and reads no trailer, so a file cut inside it would pass.
 */
const trailerProblem = (b: Uint8Array, out: Uint8Array): string | undefined => {
  if (b.length < 18) return `the stream has ${b.length} bytes, fewer than a gzip header and trailer`;
  const v = new DataView(b.buffer, b.byteOffset + b.length - 8, 8);
  if (v.getUint32(4, true) !== out.length % 2 ** 32) return `unexpected end: the trailer records ${v.getUint32(4, true)} bytes but the data inflates to ${out.length}`;
  if (v.getUint32(0, true) !== CRC32.buf(out) >>> 0) return 'the CRC-32 in the trailer does not match the data';
  return undefined;
};

/** Gunzip with a size cap; Left('truncated') for an incomplete stream, 'unreadable' for corrupt data. */
export const gunzip = (b: Uint8Array, file: string | undefined, what: string): E.Either<DataError, Uint8Array> => {
  try {
    const out = inflateCapped(Gunzip, b);
    const problem = trailerProblem(b, out);
    if (problem) throw new Error(problem);
    return E.right(out);
  } catch (e) {
    const msg = describeThrown(e);
    return fail(truncation.test(msg) ? 'truncated' : 'unreadable', `${file ?? what}: corrupt gzip stream in ${what} (${msg})`, file, e);
  }
};

/** Raw deflate (no zlib header) with the same cap; throws what fflate throws. */
export const inflateRawCapped = (b: Uint8Array): Uint8Array => inflateCapped(Inflate, b);

/** "file" for messages: the path or a placeholder for in-memory bytes. */
export const label = (file: string | undefined, kind: string): string => file ?? `<${kind} bytes>`;
