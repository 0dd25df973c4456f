import type { PagedList } from '../entities/tracking.js';
import type { SearchValue } from './accessors.js';
import { ENTITY_RULES, type SearchItems } from './entity-rules.js';
import { compareValues } from './evaluate.js';
import { encodePageToken } from './page-token.js';
import type { SearchAnswer, SearchQuery } from './query.js';
import type { SearchEntity } from './ast.js';

/**
 * Filters (unless already filtered), orders by `query.order` and pages candidates with the shared
 * evaluator. A next-page token is returned only when more items exist.
 */
export function pageCandidates<T>(query: SearchQuery<T>, items: readonly T[], filtered = false): PagedList<T> {
  const access = ENTITY_RULES[query.entity].access as (item: T, id: SearchQuery<T>['order'][number]['identifier']) => SearchValue;
  const order = query.order;
  // Read each sort key once per item rather than once per comparison.
  const decorated: { item: T; keys: SearchValue[] }[] = [];
  for (const item of items) {
    if (filtered || query.matches(item)) decorated.push({ item, keys: order.map((c) => access(item, c.identifier)) });
  }
  decorated.sort((a, b) => {
    for (let i = 0; i < order.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i], order[i]!.ascending);
      if (c !== 0) return c;
    }
    return 0;
  });
  const { offset, maxResults } = query.page;
  const page = decorated.slice(offset, offset + maxResults).map((d) => d.item);
  const next = offset + maxResults;
  return next < decorated.length ? { items: page, nextPageToken: encodePageToken(next) } : { items: page };
}

/** The page a store's answer stands for: as is when the store paged it, else the candidates filtered, ordered, paged and completed. */
export async function pageOf<T>(query: SearchQuery<T>, answer: SearchAnswer<T>): Promise<PagedList<T>> {
  if (answer.kind === 'page') return answer.page;
  const page = pageCandidates(query, answer.items, answer.filtered === true);
  if (!answer.complete || page.items.length === 0) return page;
  const items = await answer.complete(page.items);
  return page.nextPageToken === undefined ? { items } : { items, nextPageToken: page.nextPageToken };
}

/** Narrows a query's item type to its entity's (for code generic over entities). */
export type QueryOf<E extends SearchEntity> = SearchQuery<SearchItems[E]>;
