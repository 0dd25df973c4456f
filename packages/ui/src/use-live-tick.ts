/** A counter that advances on a timer while something is live and the page is visible. */
import { useEffect, useState } from 'preact/hooks';

/** How often a running run's page refreshes: a chart request served from the server's cache is cheap. */
export const LIVE_REFRESH_MS = 5000;

/**
 * Returns a number that goes up every `everyMs` while `active` is true and the document is visible
 * (a hidden tab asks the server for nothing; coming back refreshes at once). Effects that depend on
 * it re-run on each tick.
 */
export function useLiveTick(active: boolean, everyMs = LIVE_REFRESH_MS): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      timer ??= setInterval(() => setTick((t) => t + 1), everyMs);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.hidden) stop();
      else {
        setTick((t) => t + 1);
        start();
      }
    };
    if (!document.hidden) start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [active, everyMs]);
  return tick;
}
