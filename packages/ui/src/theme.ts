/**
 * Light and dark themes: the OS preference (followed live) until the user picks one, then their pick
 * (kept locally).
 */
import { useEffect, useState } from 'preact/hooks';

export type Theme = 'light' | 'dark';
const KEY = 'labbook.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

function savedTheme(): Theme | undefined {
  try {
    const saved = localStorage.getItem(KEY);
    return saved === 'light' || saved === 'dark' ? saved : undefined;
  } catch {
    // Storage can be disabled (privacy settings); the OS preference still applies.
    return undefined;
  }
}

function osTheme(): Theme {
  return matchMedia(DARK_QUERY).matches ? 'dark' : 'light';
}

/**
 * Sets the theme on the document element at once, not in an effect: charts read the theme's colours
 * (CSS variables) while they render, which is before any effect of this render would run.
 */
function applyTheme(theme: Theme): Theme {
  document.documentElement.dataset.theme = theme;
  return theme;
}

/** The current theme and a toggle; sets `data-theme` on the document element. */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => applyTheme(savedTheme() ?? osTheme()));
  useEffect(() => {
    const media = matchMedia(DARK_QUERY);
    const onChange = () => {
      if (savedTheme() === undefined) setTheme(applyTheme(osTheme()));
    };
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, []);
  const toggle = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // Not kept across visits when storage is disabled; the toggle still works for this one.
    }
    setTheme(applyTheme(next));
  };
  return [theme, toggle];
}

/** A CSS custom property's value (chart colours follow the theme). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
