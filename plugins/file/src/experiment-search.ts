import { type Experiment, type ExperimentsQuery, matchesViewType, type SearchAnswer } from '@labbook/core/plugin';
import { allExperiments } from './experiment-lookup.js';
import type { StoreContext } from './store-context.js';

/** Every experiment folder of the query's view type (read through the reader's caches): core filters, orders and pages them. */
export async function searchExperiments(ctx: StoreContext, query: ExperimentsQuery): Promise<SearchAnswer<Experiment>> {
  await ctx.init();
  return { kind: 'candidates', items: allExperiments(ctx).filter((e) => matchesViewType(e.lifecycleStage, query.viewType)) };
}
