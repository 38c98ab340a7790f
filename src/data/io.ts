/** File access shared by the loaders: read bytes with typed errors. */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail } from './errors.ts';

/** Largest decompressed size the loaders accept (1 GiB). */
export const MAX_INFLATED_BYTES = 1 << 30;

/** Read a whole file; Left('missing-file') if absent, Left('unreadable') otherwise. */
export const readBytes = (file: string): E.Either<DataError, Uint8Array> => {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return fail('missing-file', `file not found: ${file}`, file);
    if (st.isDirectory()) return fail('unreadable', `expected a file but found a directory: ${file}`, file);
    const b = fs.readFileSync(file);
    return E.right(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return fail('missing-file', `file not found: ${file}`, file);
    return fail('unreadable', `cannot read ${file}: ${describeThrown(e)}`, file, e);
  }
};

export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Gunzip with a size cap; Left('truncated') for an incomplete stream, 'unreadable' for corrupt data. */
export const gunzip = (b: Uint8Array, file: string | undefined, what: string): E.Either<DataError, Uint8Array> => {
  try {
    const out = zlib.gunzipSync(b, { maxOutputLength: MAX_INFLATED_BYTES });
    return E.right(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  } catch (e) {
    const msg = describeThrown(e);
    const code = /unexpected end|incomplete|truncat/i.test(msg) ? 'truncated' : 'unreadable';
    return fail(code, `${file ?? what}: corrupt gzip stream in ${what} (${msg})`, file, e);
  }
};

/** Write a file, creating nothing else; Left('write-failed') on error. */
export const writeBytes = (file: string, bytes: Uint8Array): E.Either<DataError, void> => {
  try {
    fs.writeFileSync(file, bytes);
    return E.right(undefined);
  } catch (e) {
    return fail('write-failed', `cannot write ${file}: ${describeThrown(e)}`, file, e);
  }
};

/** "file" for messages: the path or a placeholder for in-memory bytes. */
export const label = (file: string | undefined, kind: string): string => file ?? `<${kind} bytes>`;
