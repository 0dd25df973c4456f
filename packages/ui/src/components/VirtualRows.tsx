/**
 * A scrolling table body that renders only the rows in view (plus a margin): ten thousand runs cost
 * the DOM of a few dozen. Rows have one fixed height so positions are arithmetic.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface VirtualRowsProps<T> {
  items: T[];
  rowHeight: number;
  /** Renders one row's cells; receives its index. */
  row: (item: T, index: number) => ComponentChildren;
  header: ComponentChildren;
  /** Called when the user scrolls within a screen of the end (load the next page). */
  onNearEnd?: () => void;
  label: string;
  width: number;
}

const OVERSCAN = 10;

export function VirtualRows<T>({ items, rowHeight, row, header, onNearEnd, label, width }: VirtualRowsProps<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  useEffect(() => {
    if (onNearEnd && last >= items.length - Math.ceil(height / rowHeight)) onNearEnd();
  }, [last, items.length]);
  return (
    <div class="virtual" ref={box} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} role="region" aria-label={label} tabIndex={-1}>
      <table class="grid runs" style={{ width: `${width}px` }} aria-rowcount={items.length + 1}>
        <thead>{header}</thead>
        <tbody>
          {first > 0 && <tr style={{ height: `${first * rowHeight}px` }} aria-hidden="true" />}
          {items.slice(first, last).map((item, i) => row(item, first + i))}
          {last < items.length && <tr style={{ height: `${(items.length - last) * rowHeight}px` }} aria-hidden="true" />}
        </tbody>
      </table>
    </div>
  );
}
