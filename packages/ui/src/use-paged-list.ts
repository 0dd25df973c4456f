/**
 * A list read from the server a page at a time (MLflow's page tokens): the first page when the
 * dependencies change, the next one on demand. Answers that arrive after the dependencies changed are
 * dropped, so a fast typist never sees the results of an older search.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from './api/client';

export interface PagedList<T> {
  items: T[];
  error?: unknown;
  loading: boolean;
  /** True when the server said there is another page. */
  hasMore: boolean;
  /** Loads the next page, appended to `items`. */
  more: () => void;
  /** Loads the first page again (after a change the user made). */
  reload: () => void;
}

/**
 * Reads pages from `loadPage`, starting over whenever one of `deps` changes.
 * @param loadPage - fetches the page after `token` (the first page when undefined)
 */
export function usePagedList<T>(loadPage: (token?: string) => Promise<Page<T>>, deps: unknown[]): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const latest = useRef(loadPage);
  latest.current = loadPage;

  const fetchPage = useCallback((token: string | undefined) => {
    const gen = generation.current;
    setLoading(true);
    setError(undefined);
    latest.current(token).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems((old) => (token ? [...old, ...page.items] : page.items));
        setNext(page.nextPageToken || undefined);
        setLoading(false);
      },
      (e) => {
        if (gen !== generation.current) return;
        if (!token) setItems([]);
        setError(e);
        setLoading(false);
      },
    );
  }, []);

  const reload = useCallback(() => {
    generation.current++;
    setNext(undefined);
    fetchPage(undefined);
  }, [fetchPage]);

  useEffect(reload, deps);

  const more = () => {
    if (!loading && next) fetchPage(next);
  };
  return { items, error, loading, hasMore: next !== undefined, more, reload };
}
