/**
 * Manifest text, read in chunks: every chunk is checked to be UTF-8 text (a binary file is
 * refused with an escaped excerpt of its start), and CSV is parsed by csv-parse as the chunks
 * arrive, so memory follows the records kept, not the file, and one overlong line is an error
 * as soon as it passes the limit.
 */
import * as fs from 'node:fs';
import { Parser, type CsvError } from 'csv-parse';
import * as E from 'fp-ts/lib/Either.js';
import { DataError, describeThrown, fail } from './errors.ts';
import { byteExcerpt } from './text.ts';

/** [ours] Longest manifest line (one CSV record), in bytes: far above any real row of paths. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 16;
/** [ours] Largest JSON manifest, which (unlike CSV) is parsed whole. */
export const MAX_JSON_MANIFEST_BYTES = 1 << 26;
const CHUNK_BYTES = 1 << 16;

export interface CsvRecord {
  readonly cells: readonly string[];
  /** The 1-based line the record starts on. */
  readonly line: number;
}

/** Chunks of a manifest: the file read CHUNK_BYTES at a time, or text already in memory. */
export type ChunkSource = { readonly file: string } | { readonly text: string };

function* chunksOf(source: ChunkSource): Generator<Uint8Array> {
  if ('text' in source) {
    yield Buffer.from(source.text, 'utf8');
    return;
  }
  const fd = fs.openSync(source.file, 'r');
  try {
    for (;;) {
      // A fresh buffer per chunk: csv-parse keeps a view of an unfinished chunk's tail.
      const buf = Buffer.allocUnsafe(CHUNK_BYTES);
      const n = fs.readSync(fd, buf, 0, CHUNK_BYTES, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Calls `take` on each chunk, telling it which is the last (one chunk of look-ahead); stops at the first error. */
const forEachChunk = (source: ChunkSource, take: (chunk: Uint8Array, last: boolean) => DataError | undefined): DataError | undefined => {
  let pending: Uint8Array | undefined;
  for (const chunk of chunksOf(source)) {
    const error = pending !== undefined ? take(pending, false) : undefined;
    if (error) return error;
    pending = chunk;
  }
  return pending !== undefined ? take(pending, true) : undefined;
};

/** Decodes chunks as UTF-8 and refuses the first NUL byte or invalid sequence, quoting the file's start. */
class TextCheck {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private offset = 0;
  private head = new Uint8Array(0);

  constructor(readonly where: string, readonly file: string | undefined) {}

  /** The chunk's text, or the error that it is not text. */
  check(chunk: Uint8Array, last: boolean): E.Either<DataError, string> {
    const start = this.offset;
    this.offset += chunk.length;
    if (start === 0) this.head = chunk.slice(0, 32);
    const nul = chunk.indexOf(0);
    if (nul >= 0) return this.refuse(`a NUL byte at offset ${start + nul}`);
    try {
      return E.right(this.decoder.decode(chunk, { stream: !last }));
    } catch {
      return this.refuse(`bytes that are not UTF-8 text within offsets ${start}–${this.offset - 1}`);
    }
  }

  private refuse(what: string): E.Either<DataError, never> {
    return fail('bad-manifest', `${this.where}: not a text manifest (it holds ${what}; it starts ${byteExcerpt(this.head)})`, this.file);
  }
}

const LINE_BREAK = /\r\n|\r|\n/g;
const countLineBreaks = (cells: readonly string[]): number => cells.reduce((n, c) => n + (c.match(LINE_BREAK)?.length ?? 0), 0);

/** A csv-parse error as a one-line DataError naming the line, never quoting the record. */
const csvError = (e: CsvError, where: string, file: string | undefined, maxLineBytes: number): DataError => {
  const line = (e as { lines?: number }).lines;
  const at = line !== undefined ? `line ${line}` : 'a line';
  const why: Partial<Record<string, string>> = {
    CSV_MAX_RECORD_SIZE: `is longer than ${maxLineBytes} bytes, the limit on a manifest line (maxLineBytes)`,
    CSV_QUOTE_NOT_CLOSED: 'opens a quoted field that is never closed',
    CSV_INVALID_CLOSING_QUOTE: 'has a closing quote followed by more text in the same field',
  };
  return new DataError('bad-manifest', `${where}: CSV ${at} ${why[e.code] ?? `is malformed (${e.code})`}`, { ...(file !== undefined ? { file } : {}), cause: e });
};

/** The delimiter a header line implies: tab for TSV (tabs and no commas), else comma. */
const delimiterOf = (firstText: string): string => {
  const header = firstText.split(/\r\n|\r|\n/, 1)[0] ?? '';
  return header.includes('\t') && !header.includes(',') ? '\t' : ',';
};

/** Marks whether csv-parse flushed its last record when the input ended. */
class FlushingParser extends Parser {
  flushed = false;
  override _flush(callback: (error?: Error | null) => void): void {
    this.flushed = true;
    super._flush(callback);
  }
}

export interface CsvReadOptions {
  readonly maxLineBytes?: number;
  /** ',' or '\t'; default from the first line. */
  readonly delimiter?: string;
}

/**
 * Every non-blank, non-comment record of a CSV/TSV manifest, with the line it starts on
 * (RFC 4180 quotes; blank lines and lines whose first field starts with '#' are skipped).
 */
export const readCsvRecords = (
  source: ChunkSource,
  where: string,
  file: string | undefined,
  options: CsvReadOptions = {},
): E.Either<DataError, CsvRecord[]> => {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const text = new TextCheck(where, file);
  const records: CsvRecord[] = [];
  let parser: FlushingParser | undefined;
  const drain = (): void => {
    for (let r = parser!.read(); r !== null; r = parser!.read()) {
      const { record, info } = r as { record: string[]; info: { lines: number } };
      const cells = record.map((c) => c.trim());
      if (cells.join('') === '' || (cells[0] ?? '').startsWith('#')) continue;
      records.push({ cells, line: info.lines - countLineBreaks(record) });
    }
  };
  const failed = (): DataError | undefined => {
    const e = parser?.errored;
    return e ? csvError(e as CsvError, where, file, maxLineBytes) : undefined;
  };
  const feed = (chunk: Uint8Array, last: boolean): DataError | undefined => {
    const decoded = text.check(chunk, last);
    if (E.isLeft(decoded)) return decoded.left;
    parser ??= newParser(options.delimiter ?? delimiterOf(decoded.right), maxLineBytes);
    parser.write(chunk);
    drain();
    return failed();
  };
  try {
    const error = forEachChunk(source, feed);
    if (error) return E.left(error);
    if (parser === undefined) return E.right([]);
    parser.end();
    drain();
    const endError = failed();
    if (endError) return E.left(endError);
    if (!parser.flushed) throw new Error('csv-parse did not flush synchronously at the end of the input');
    return E.right(records);
  } catch (e) {
    return fail('unreadable', `${where}: cannot read the manifest (${describeThrown(e)})`, file, e);
  } finally {
    parser?.destroy();
  }
};

const newParser = (delimiter: string, maxLineBytes: number): FlushingParser => {
  const p = new FlushingParser({
    bom: true,
    delimiter,
    info: true,
    comment: '#',
    comment_no_infix: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: maxLineBytes,
  });
  // Errors are read from `errored` right after each write; without a listener the stream's own 'error' event would throw later.
  p.on('error', () => undefined);
  return p;
};

/** A JSON manifest's text, checked to be text and at most MAX_JSON_MANIFEST_BYTES. */
export const readJsonText = (source: ChunkSource, where: string, file: string | undefined): E.Either<DataError, string> => {
  const text = new TextCheck(where, file);
  const parts: string[] = [];
  let bytes = 0;
  const take = (chunk: Uint8Array, last: boolean): DataError | undefined => {
    bytes += chunk.length;
    if (bytes > MAX_JSON_MANIFEST_BYTES)
      return new DataError('bad-manifest', `${where}: a JSON manifest is read whole and may hold at most ${MAX_JSON_MANIFEST_BYTES >> 20} MiB; use a CSV manifest, which is streamed`, file !== undefined ? { file } : {});
    const decoded = text.check(chunk, last);
    if (E.isLeft(decoded)) return decoded.left;
    parts.push(decoded.right);
    return undefined;
  };
  try {
    const error = forEachChunk(source, take);
    return error ? E.left(error) : E.right(parts.join(''));
  } catch (e) {
    return fail('unreadable', `${where}: cannot read the manifest (${describeThrown(e)})`, file, e);
  }
};

/** The first bytes of a file as text (to tell JSON from CSV by content); '' when unreadable. */
export const peekText = (file: string, bytes = 256): string => {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
};
