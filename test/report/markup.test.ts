import { describe, expect, it } from 'vitest';
import { FgflowError } from '../../src/errors.ts';
import { EMPTY, escapeText, html, isMarkup, joinMarkup, ReportRenderError, type Interpolation } from '../../src/report/markup.ts';

describe('the html tag escapes by construction', () => {
  it('an interpolated string such as <b>x</b> renders as text, in content and in attributes', () => {
    const evil = `<b>x</b> & "q" 'a'`;
    expect(html`<p title="${evil}">${evil}</p>`.text).toBe('<p title="&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;a&#39;">&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;a&#39;</p>');
    expect(escapeText('&amp;')).toBe('&amp;amp;');
  });

  it('passes markup made by the tag through once, and escapes a string that only looks like it', () => {
    const inner = html`<em>${'<i>'}</em>`;
    expect(html`<p>${inner}</p>`.text).toBe('<p><em>&lt;i&gt;</em></p>');
    // a plain object shaped like markup is not markup: it has no brand
    const forged = { text: '<b>x</b>' } as unknown as Interpolation;
    expect(isMarkup(forged)).toBe(false);
    expect(() => html`${forged}`).toThrow(ReportRenderError);
  });

  it('joins lists, drops null, undefined and false, and prints finite numbers', () => {
    expect(html`${['<a>', html`<br>`, 3, null, undefined, false, [1.5, '&']]}`.text).toBe('&lt;a&gt;<br>31.5&amp;');
    expect(joinMarkup(['a', '<b>', html`<i>c</i>`], html`<hr>`).text).toBe('a<hr>&lt;b&gt;<hr><i>c</i>');
    expect(joinMarkup(['a', 'b'], ' & ').text).toBe('a &amp; b');
    expect(html`${EMPTY}`.text).toBe('');
  });

  it('a NaN or an infinite number gets a ReportRenderError (non-finite) naming the interpolation', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      let caught: unknown;
      try {
        html`<circle cx="${1}" cy="${bad}" />`;
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ReportRenderError);
      expect(caught).toBeInstanceOf(FgflowError);
      expect((caught as ReportRenderError).code).toBe('non-finite');
      expect((caught as Error).message).toBe(`report.html: interpolation 1 is ${bad}, not a finite number`);
    }
  });

  it('a boolean true, an object or a function gets a ReportRenderError (bad-interpolation)', () => {
    for (const bad of [true, {}, () => 1] as unknown as Interpolation[]) {
      expect(() => html`${bad}`).toThrow(expect.objectContaining({ code: 'bad-interpolation' }));
    }
  });
});
