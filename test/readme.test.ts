import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quickstart } from '../examples/quickstart.ts';

describe('the README example (examples/quickstart.ts)', () => {
  it('runs and gives what its comments say', async () => {
    const r = await quickstart();
    expect(r.y.shape).toEqual([8, 16, 32, 32]);
    expect(r.checked).toBe(true);
    expect(r.wrong).toMatch(/data has 3 elements but shape \[2, 2\] needs 4/);
    expect(r.g.w.toArray()).toEqual([1, Math.exp(-2), 1]);
    expect(r.curvature.toArray()).toEqual([0, Math.exp(-2), 0]);
    expect(r.a.S).toHaveLength(3);
    for (const s of r.a.S) expect(s === null || (s >= 0 && s <= 1)).toBe(true);
    expect(r.a.A === null || Math.abs(r.a.A + r.a.unexplained! - 1) < 1e-6).toBe(true);
    expect(typeof r.flow.reached).toBe('boolean');
    expect(r.flow.steps).toBeGreaterThan(0);
  });

  it('is the code the README shows', () => {
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    const example = readFileSync(join(import.meta.dirname, '../examples/quickstart.ts'), 'utf8');
    const body = example.slice(example.indexOf('export async function quickstart'), example.indexOf('\nif (import.meta.url'));
    expect(readme).toContain(body.trim());
  });
});
