/**
 * A tab list in the WAI-ARIA pattern: one Tab stop (the selected tab), Left/Right/Home/End move between
 * tabs and select them, and each tab names the panel it controls.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useRef } from 'preact/hooks';

export interface TabsProps<K extends string> {
  /** Prefix of the tab and panel element ids (unique on the page). */
  id: string;
  tabs: { key: K; label: ComponentChildren }[];
  selected: K;
  onSelect: (key: K) => void;
  /** The selected tab's panel. */
  children: ComponentChildren;
}

/** Tabs over one panel: only the selected tab's content is rendered. */
export function Tabs<K extends string>({ id, tabs, selected, onSelect, children }: TabsProps<K>) {
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    const at = tabs.findIndex((t) => t.key === selected);
    const to =
      e.key === 'ArrowRight'
        ? at + 1
        : e.key === 'ArrowLeft'
          ? at - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : undefined;
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length];
    if (!next) return;
    onSelect(next.key);
    list.current?.querySelector<HTMLButtonElement>(`#${id}-tab-${next.key}`)?.focus();
  };
  return (
    <>
      <div class="tabs" role="tablist" ref={list} onKeyDown={onKeyDown}>
        {tabs.map((t) => (
          <button
            key={t.key}
            id={`${id}-tab-${t.key}`}
            type="button"
            role="tab"
            aria-selected={t.key === selected}
            aria-controls={`${id}-panel`}
            tabIndex={t.key === selected ? 0 : -1}
            class={t.key === selected ? 'active' : ''}
            onClick={() => onSelect(t.key)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${selected}`}>
        {children}
      </div>
    </>
  );
}
