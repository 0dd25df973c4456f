import { toWire } from '@labbook/core';

/** A paged result as MLflow writes it: the list under `key` (omitted when empty) and `next_page_token` if any. */
export function pageResponse<T>(key: string, page: { items: T[]; nextPageToken?: string }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (page.items.length > 0) out[key] = toWire(page.items);
  if (page.nextPageToken) out.next_page_token = page.nextPageToken;
  return out;
}
