/**
 * The arithmetic of a windowed list with rows of one fixed height: which rows to render for a scroll
 * position, where to scroll so a row shows, and where the keyboard moves the active row. Kept apart from
 * the component so it can be tested without a DOM.
 */

/** Rows rendered beyond each edge of the view, so a fast scroll does not show blank space. */
export const OVERSCAN = 10;

/** The half-open range `[first, last)` of rows to render. */
export interface RowWindow {
  first: number;
  last: number;
}

/**
 * The rows to render when the list is scrolled to `scrollTop` in a view `viewHeight` pixels tall.
 * @param count - how many rows the list has
 */
export function windowOf(scrollTop: number, viewHeight: number, rowHeight: number, count: number, overscan = OVERSCAN): RowWindow {
  // A list that shrank under a deep scroll position shows its last rows, not a blank stretch (the
  // browser clamps the scroll position a moment later).
  const top = Math.max(0, Math.min(scrollTop, count * rowHeight - viewHeight));
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((top + viewHeight) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/**
 * The scroll position that brings row `index` fully into a view of `viewHeight` pixels (the rows' part of
 * it, below any sticky header), moving as little as possible; the current one when the row already shows.
 */
export function scrollToShow(index: number, scrollTop: number, viewHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  const bottom = top + rowHeight;
  if (bottom > scrollTop + viewHeight) return Math.max(0, bottom - viewHeight);
  return scrollTop;
}

/**
 * Where a key press moves the active row, or undefined when the key is not a movement key.
 * @param pageRows - rows in one screen, the step of PageUp and PageDown
 */
export function moveActive(key: string, active: number, count: number, pageRows: number): number | undefined {
  if (count === 0) return undefined;
  const clamp = (i: number) => Math.min(count - 1, Math.max(0, i));
  switch (key) {
    case 'ArrowDown':
      return clamp(active + 1);
    case 'ArrowUp':
      return clamp(active - 1);
    case 'PageDown':
      return clamp(active + Math.max(1, pageRows));
    case 'PageUp':
      return clamp(active - Math.max(1, pageRows));
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}
