import { describe, expect, it } from 'vitest';
import { moveActive, scrollToShow, windowOf } from '../src/virtual-window';

describe('virtual window', () => {
  it('renders the rows in view plus the overscan, clipped to the list', () => {
    expect(windowOf(0, 320, 32, 10_000, 10)).toEqual({ first: 0, last: 20 });
    expect(windowOf(3200, 320, 32, 10_000, 10)).toEqual({ first: 90, last: 120 });
    expect(windowOf(3200, 320, 32, 95, 10)).toEqual({ first: 75, last: 95 });
    expect(windowOf(0, 320, 32, 0, 10)).toEqual({ first: 0, last: 0 });
    // A list that shrank under a deep scroll position shows its end, not a blank stretch.
    expect(windowOf(320_000, 320, 32, 5, 10)).toEqual({ first: 0, last: 5 });
    expect(windowOf(320_000, 320, 32, 1000, 10)).toEqual({ first: 980, last: 1000 });
  });

  it('scrolls as little as possible to show a row', () => {
    expect(scrollToShow(5, 0, 320, 32)).toBe(0);
    expect(scrollToShow(10, 0, 320, 32)).toBe(32);
    expect(scrollToShow(3, 320, 320, 32)).toBe(96);
    expect(scrollToShow(9999, 0, 320, 32)).toBe(319_680);
  });

  it('moves the active row by key, within the list', () => {
    expect(moveActive('ArrowDown', 0, 3, 10)).toBe(1);
    expect(moveActive('ArrowDown', 2, 3, 10)).toBe(2);
    expect(moveActive('ArrowUp', 0, 3, 10)).toBe(0);
    expect(moveActive('PageDown', 0, 100, 10)).toBe(10);
    expect(moveActive('PageUp', 5, 100, 10)).toBe(0);
    expect(moveActive('PageDown', 0, 100, 0)).toBe(1);
    expect(moveActive('End', 0, 100, 10)).toBe(99);
    expect(moveActive('Home', 50, 100, 10)).toBe(0);
    expect(moveActive('x', 0, 100, 10)).toBeUndefined();
    expect(moveActive('ArrowDown', 0, 0, 10)).toBeUndefined();
  });
});
