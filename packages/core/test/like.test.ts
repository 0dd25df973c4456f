import { describe, expect, it } from 'vitest';
import { likeMatcher } from '../src/search/like.js';

/** The definition of LIKE as a (backtracking) regular expression: fine for short inputs. */
function reference(pattern: string, value: string, caseInsensitive: boolean): boolean {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u').test(value);
}

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

describe('likeMatcher', () => {
  it('matches as SQL LIKE does on the usual shapes', () => {
    const cases: [string, string, boolean][] = [
      ['', '', true],
      ['', 'a', false],
      ['%', '', true],
      ['%', 'anything', true],
      ['a%', 'abc', true],
      ['a%', 'ba', false],
      ['%c', 'abc', true],
      ['%b%', 'abc', true],
      ['a_c', 'abc', true],
      ['a_c', 'ac', false],
      ['ab%bc', 'abc', false],
      ['ab%bc', 'abbc', true],
      ['%a%a%b', 'aab', true],
      ['%a%a%b', 'ab', false],
      ['a.c', 'abc', false],
      ['(x)', '(x)', true],
      ['_', '😀', true],
      ['%%', 'x', true],
    ];
    for (const [pattern, value, expected] of cases) expect(likeMatcher(pattern, false)(value), `${pattern} ~ ${value}`).toBe(expected);
  });

  it('ILIKE folds case, LIKE does not', () => {
    expect(likeMatcher('%BASE%', true)('my-base-run')).toBe(true);
    expect(likeMatcher('%BASE%', false)('my-base-run')).toBe(false);
    expect(likeMatcher('straße', true)('STRASSE')).toBe(false);
    expect(likeMatcher('Ärger%', true)('ärger mit x')).toBe(true);
  });

  it('agrees with the regular-expression definition on 20,000 random patterns and values', () => {
    const next = random(7);
    const alphabet = ['a', 'b', 'A', '%', '_', '.'];
    const pick = (n: number, chars: string[]) =>
      Array.from({ length: Math.floor(next() * n) }, () => chars[Math.floor(next() * chars.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const pattern = pick(8, alphabet);
      const value = pick(10, ['a', 'b', 'A', '.', '%']);
      const ci = i % 2 === 0;
      expect(likeMatcher(pattern, ci)(value), `${pattern} ~ ${value} (${ci ? 'ILIKE' : 'LIKE'})`).toBe(reference(pattern, value, ci));
    }
  });

  it('answers adversarial patterns on values of MLflow’s maximum length at once', () => {
    // Each of these took seconds or more as a backtracking RegExp.
    const value = 'a'.repeat(8000);
    const t0 = performance.now();
    expect(likeMatcher('%a%a%a%b', false)(value)).toBe(false);
    expect(likeMatcher('%a%a%a%a%a%a%a%a%b', true)(value)).toBe(false);
    expect(likeMatcher(`%${'a%'.repeat(120)}b`, false)(value)).toBe(false);
    expect(likeMatcher(`${'_%'.repeat(100)}b`, false)(value)).toBe(false);
    expect(likeMatcher(`%${'a'.repeat(500)}b%`, false)(value)).toBe(false);
    // The bound is loose on purpose (it would be seconds to minutes if the matcher backtracked).
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
