/**
 * Markup that is escaped by construction. `html` is a tagged template: its literal parts are the
 * page's own markup, and every interpolated value is escaped unless it is already `Markup` (made
 * by this tag). There is no other way to make `Markup`, so text from a report (an example id, a
 * model name, a setting) can only ever reach the page as text. SVG is built with the same tag.
 */
import { FgflowError } from '../errors.ts';

export class ReportRenderError extends FgflowError {}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML/SVG content and attribute values. */
export const escapeText = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

const MARK = Symbol('markup');

/** A fragment of trusted markup; only `html` makes one. */
export interface Markup {
  readonly [MARK]: true;
  readonly text: string;
}

const markup = (text: string): Markup => ({ [MARK]: true, text });

export const isMarkup = (v: unknown): v is Markup => typeof v === 'object' && v !== null && (v as { [MARK]?: unknown })[MARK] === true;

/** What may be interpolated: text and finite numbers (escaped), markup (kept), lists, and nothing. */
export type Interpolation = string | number | Markup | null | undefined | false | readonly Interpolation[];

const render = (v: Interpolation, at: number): string => {
  if (v === null || v === undefined || v === false) return '';
  if (typeof v === 'string') return escapeText(v);
  if (typeof v === 'number') {
    // A NaN or Infinity in a coordinate or a label is a bug upstream: stop rather than draw it.
    if (!Number.isFinite(v)) throw new ReportRenderError('non-finite', `report.html: interpolation ${at} is ${v}, not a finite number`);
    return String(v);
  }
  if (isMarkup(v)) return v.text;
  if (Array.isArray(v)) return v.map((x) => render(x, at)).join('');
  throw new ReportRenderError('bad-interpolation', `report.html: interpolation ${at} is a ${typeof v}, not text, a number or markup`);
};

/** The tag: html`<p>${userText}</p>` escapes userText; nested html`…` fragments pass through. */
export const html = (strings: TemplateStringsArray, ...values: readonly Interpolation[]): Markup => {
  let out = strings[0] as string;
  values.forEach((v, i) => {
    out += render(v, i) + (strings[i + 1] as string);
  });
  return markup(out);
};

/** Fragments joined by a separator (itself markup, or text to escape). */
export const joinMarkup = (parts: readonly Interpolation[], separator: Interpolation = ''): Markup => {
  const sep = render(separator, 0);
  return markup(parts.map((p, i) => render(p, i)).join(sep));
};

/** The empty fragment. */
export const EMPTY: Markup = markup('');
