import { compileRunFilter, type Identifier, parseFilter, parseOrderBy, type Run } from '@labbook/core';

/** Fields of runs that a filter or an order_by reads. */
export interface FieldNeeds {
  metrics: Set<string>;
  params: Set<string>;
  tags: Set<string>;
  datasets: boolean;
}

/**
 * What a runs search reads. Every run is loaded with only `filter` fields; when core can evaluate a
 * filter on one run, only the runs that match are loaded with the `order` fields too.
 */
export interface RunSearchPlan {
  filter: FieldNeeds;
  order: FieldNeeds;
  /** Evaluates the filter on a (partially loaded) run; undefined when there is no filter. */
  matches?: (run: Run) => boolean;
  /** False when the filter could not be analysed: load everything. */
  known: boolean;
}

function emptyNeeds(): FieldNeeds {
  return { metrics: new Set(), params: new Set(), tags: new Set(), datasets: false };
}

function addNeed(needs: FieldNeeds, id: Identifier): void {
  if (id.type === 'metric') needs.metrics.add(id.key);
  else if (id.type === 'param') needs.params.add(id.key);
  else if (id.type === 'tag') needs.tags.add(id.key);
  else if (id.type === 'dataset') needs.datasets = true;
  else if (id.type === 'attribute' && id.key === 'run_name') needs.tags.add('mlflow.runName');
}

/** Plans which fields a runs search loads for every run and which only for the runs that match. */
export function planRunSearch(filter: string | undefined, orderBy: string[] | undefined): RunSearchPlan {
  const plan: RunSearchPlan = { filter: emptyNeeds(), order: emptyNeeds(), known: true };
  // A parse error surfaces from the search itself with core's message; here it only means "load all".
  try {
    const tree = filter && filter.trim() !== '' ? parseFilter('runs', filter) : undefined;
    for (const c of tree?.clauses ?? []) addNeed(plan.filter, c.identifier);
    // With a filter, only the runs that match need the order fields.
    for (const o of parseOrderBy('runs', orderBy)) addNeed(tree ? plan.order : plan.filter, o.identifier);
    if (tree) plan.matches = compileRunFilter(tree);
  } catch {
    plan.known = false;
  }
  return plan;
}
