/**
 * A scrolling table body that renders only the rows in view (plus a margin): ten thousand runs cost
 * the DOM of a few dozen. Rows have one fixed height so positions are arithmetic
 * (see `virtual-window.ts`).
 *
 * Keyboard: the table is one Tab stop (a roving tabindex on the rows); arrows, Page Up/Down, Home and
 * End move between rows, scrolling rows that are not rendered yet into being; Enter opens the row and
 * Space toggles it. Controls inside rows should take `tabIndex={-1}` so Tab leaves the table at once
 * instead of walking through every row.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { moveActive, scrollToShow, windowOf } from '../virtual-window';

export interface VirtualRowsProps<T> {
  items: T[];
  rowHeight: number;
  /** A stable key per item (the row's identity across renders). */
  keyOf: (item: T) => string;
  /** Renders one row's cells; receives its index. */
  cells: (item: T, index: number) => ComponentChildren;
  /** Extra attributes of a row (class, data attributes). */
  rowProps?: (item: T) => JSX.HTMLAttributes<HTMLTableRowElement>;
  header: ComponentChildren;
  /** Called when the rows in view come within a screen of the end (load the next page). */
  onNearEnd?: () => void;
  /** Enter on a focused row. */
  onOpen?: (item: T) => void;
  /** Space on a focused row. */
  onToggle?: (item: T) => void;
  label: string;
  width: number;
  /** When this changes (a new filter or sort), the list starts again from its top. */
  resetKey?: string;
}

/** A windowed, keyboard-navigable table of `items` (see the module comment). */
export function VirtualRows<T>({
  items,
  rowHeight,
  keyOf,
  cells,
  rowProps,
  header,
  onNearEnd,
  onOpen,
  onToggle,
  label,
  width,
  resetKey,
}: VirtualRowsProps<T>) {
  const box = useRef<HTMLElement>(null);
  const head = useRef<HTMLTableSectionElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [active, setActiveState] = useState(0);
  // The active row as of the last key press, ahead of the render it causes: keys pressed faster than
  // renders must each move from where the previous one went.
  const activeNow = useRef(0);
  const setActive = (index: number) => {
    activeNow.current = index;
    setActiveState(index);
  };
  // Set by a key press: focus the active row once it is rendered (it may be off-window until then).
  const focusPending = useRef(false);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (box.current) box.current.scrollTop = 0;
    setScrollTop(0);
    activeNow.current = 0;
    setActiveState(0);
  }, [resetKey]);

  const { first, last } = windowOf(scrollTop, height, rowHeight, items.length);
  const current = Math.min(active, Math.max(0, items.length - 1));
  // The one row Tab reaches: the active one when rendered, else the first rendered.
  const tabbable = current >= first && current < last ? current : first;

  useEffect(() => {
    if (onNearEnd && last >= items.length - Math.ceil(height / rowHeight)) onNearEnd();
  }, [last, items.length]);

  // A layout effect: focus moves in the same task as the render, before the next key press is handled.
  useLayoutEffect(() => {
    if (!focusPending.current) return;
    const row = box.current?.querySelector<HTMLTableRowElement>(`tr[aria-rowindex="${activeNow.current + 2}"]`);
    if (row) {
      focusPending.current = false;
      row.focus({ preventScroll: true });
    }
  }, [current, first, last]);

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLTableSectionElement>) => {
    const el = box.current;
    if (!el || e.altKey || e.ctrlKey || e.metaKey) return;
    const rowsHeight = el.clientHeight - (head.current?.offsetHeight ?? 0);
    const onRow = (e.target as HTMLElement).tagName === 'TR';
    const from = Math.min(activeNow.current, Math.max(0, items.length - 1));
    const item = items[from];
    if (onRow && item !== undefined && e.key === 'Enter' && onOpen) {
      e.preventDefault();
      onOpen(item);
      return;
    }
    if (onRow && item !== undefined && e.key === ' ' && onToggle) {
      e.preventDefault();
      onToggle(item);
      return;
    }
    const next = moveActive(e.key, from, items.length, Math.floor(rowsHeight / rowHeight) - 1);
    if (next === undefined) return;
    e.preventDefault();
    const top = scrollToShow(next, el.scrollTop, rowsHeight, rowHeight);
    el.scrollTop = top;
    setScrollTop(top);
    focusPending.current = true;
    setActive(next);
  };

  return (
    <section class="virtual" ref={box} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} aria-label={label}>
      <table class="grid runs" style={{ minWidth: `${width}px` }} aria-rowcount={items.length + 1}>
        <thead ref={head}>{header}</thead>
        <tbody onKeyDown={onKeyDown}>
          {first > 0 && <tr class="spacer" style={{ height: `${first * rowHeight}px` }} />}
          {items.slice(first, last).map((item, i) => {
            const index = first + i;
            return (
              <tr
                key={keyOf(item)}
                {...rowProps?.(item)}
                aria-rowindex={index + 2}
                tabIndex={index === tabbable ? 0 : -1}
                onFocus={() => setActive(index)}
              >
                {cells(item, index)}
              </tr>
            );
          })}
          {last < items.length && <tr class="spacer" style={{ height: `${(items.length - last) * rowHeight}px` }} />}
        </tbody>
      </table>
    </section>
  );
}
