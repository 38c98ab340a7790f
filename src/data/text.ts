/**
 * Text from users' files quoted inside error messages: escaped and shortened, so a binary file
 * or a 50 MB line cannot flood a one-line error, and names the user almost typed.
 */
import leven, { closestMatch } from 'leven';

/** Longest quoted excerpt, in characters, before it is cut with '…'. */
export const EXCERPT_CHARS = 40;

/**
 * `text` escaped and cut to at most `max` characters (then '…'): control characters, lone
 * surrogates, U+FFFD (what invalid UTF-8 decodes to) and other non-printing code points become
 * \xNN / \uNNNN, so the result stays on one line and shows what the bytes were.
 */
export const escapeText = (text: string, max = EXCERPT_CHARS): string => {
  let out = '';
  let shown = 0;
  for (const ch of text) {
    if (shown >= max) return `${out}…`;
    out += escapeChar(ch);
    shown++;
  }
  return out;
};

/** `escapeText` in double quotes: how users' text (a column name, a field, a file's start) appears in messages. */
export const excerpt = (text: string, max = EXCERPT_CHARS): string => `"${escapeText(text, max)}"`;

const escapeChar = (ch: string): string => {
  const cp = ch.codePointAt(0)!;
  if (ch === '"' || ch === '\\') return `\\${ch}`;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return `\\x${cp.toString(16).padStart(2, '0')}`;
  // Lone surrogates, the replacement character and invisible format characters.
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffd || /\p{Cf}|\p{Zl}|\p{Zp}/u.test(ch)) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return ch;
};

/**
 * The known name `name` most likely means: the closest by edit distance (case-insensitive)
 * within two edits or a third of its length, and not a rewrite of the whole name; undefined
 * when nothing is that close.
 */
export const nearestName = (name: string, known: readonly string[]): string | undefined => {
  const lower = known.map((k) => k.toLowerCase());
  const target = name.toLowerCase();
  const maxDistance = Math.max(2, Math.floor(name.length / 3));
  const hit = closestMatch(target, lower, { maxDistance });
  return hit === undefined || leven(target, hit) >= name.length ? undefined : known[lower.indexOf(hit)];
};

const BYTE_ESCAPES: Readonly<Record<number, string>> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };

/** The first bytes of binary content, quoted: printable ASCII as it is, every other byte as \xNN. */
export const byteExcerpt = (bytes: Uint8Array, max = 24): string => {
  let out = '';
  for (const b of bytes.subarray(0, max))
    out += b >= 0x20 && b < 0x7f ? escapeChar(String.fromCharCode(b)) : (BYTE_ESCAPES[b] ?? `\\x${b.toString(16).padStart(2, '0')}`);
  return `"${out}${bytes.length > max ? '…' : ''}"`;
};

/** "did you mean 'y'? known: …": what an unknown name may have meant, and every accepted one. */
export const unknownNameHint = (name: string, known: readonly string[]): string => {
  const near = nearestName(name, known);
  return `${near !== undefined ? `did you mean '${near}'? ` : ''}known: ${known.join(', ')}`;
};
