/**
 * The logged models of one experiment (MLflow 3): a table paged from `logged-models/search`, sorted on
 * the server by a header click, filtered with the search grammar, with a column per metric and param.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api/client';
import { ErrorBanner } from '../components/ErrorBanner';
import { ExperimentNav } from '../components/ExperimentNav';
import { FilterBox, type FilterRefusal } from '../components/FilterBox';
import { formatTime } from '../formatting';
import {
  DEFAULT_MODEL_SORT,
  type ModelRow,
  type ModelSort,
  type ModelSortColumn,
  modelKeysOf,
  modelRowOf,
  nextSort,
  orderByOf,
  sameColumn,
  sortKeyOf,
  statusOf,
} from '../logged-models-table';
import { hrefOf } from '../route';
import { useAsync } from '../use-async';

const PAGE_SIZE = 50;

const FIXED: { key: ModelSortColumn & { kind: 'attribute' }; title: string }[] = [
  { key: { kind: 'attribute', key: 'name' }, title: 'Name' },
  { key: { kind: 'attribute', key: 'status' }, title: 'Status' },
  { key: { kind: 'attribute', key: 'model_type' }, title: 'Type' },
  { key: { kind: 'attribute', key: 'source_run_id' }, title: 'Source run' },
  { key: { kind: 'attribute', key: 'creation_timestamp' }, title: 'Created' },
];

/**
 * @param initialFilter - the filter in the link that opened the page; a filter applied later replaces it
 *   in the address (no new history entry), so the view can be shared.
 */
export function LoggedModelsPage({ experimentId, initialFilter }: { experimentId: string; initialFilter?: string }) {
  const experiment = useAsync(() => api.getExperiment(experimentId), [experimentId]);
  const [filter, setFilterState] = useState(initialFilter ?? '');
  const setFilter = (next: string) => {
    setFilterState(next);
    history.replaceState(history.state, '', hrefOf({ page: 'logged-models', experimentId, ...(next ? { filter: next } : {}) }));
  };
  const [sort, setSort] = useState<ModelSort>(DEFAULT_MODEL_SORT);
  const [rows, setRows] = useState<ModelRow[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  // As on the runs page: an error is only shown next to the filter it was about, and a refused filter
  // keeps the last good rows on screen, marked with the filter they answer.
  const [failure, setFailure] = useState<{ error: unknown; filter: string } | undefined>();
  const [rowsFilter, setRowsFilter] = useState<string | undefined>();
  const generation = useRef(0);
  const sortKey = sortKeyOf(sort);

  const load = async (token: string | undefined, gen: number) => {
    setLoading(true);
    try {
      const page = await api.searchLoggedModels({
        experimentIds: [experimentId],
        filter,
        orderBy: orderByOf(sort),
        ...(token !== undefined ? { pageToken: token } : {}),
        maxResults: PAGE_SIZE,
      });
      if (gen !== generation.current) return;
      const fresh = page.items.map(modelRowOf);
      setRows((old) => (token ? [...old, ...fresh] : fresh));
      setNext(page.nextPageToken);
      setRowsFilter(filter);
      setFailure(undefined);
    } catch (e) {
      if (gen !== generation.current) return;
      setFailure({ error: e, filter });
      if (!token && !isRefusedFilter(e)) {
        setRows([]);
        setRowsFilter(undefined);
      }
      // The token belongs to the query before this one.
      if (!token) setNext(undefined);
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  };
  useEffect(() => {
    generation.current++;
    setNext(undefined);
    setFailure(undefined);
    load(undefined, generation.current);
  }, [experimentId, filter, sortKey]);

  const keys = useMemo(() => modelKeysOf(rows), [rows]);
  const error = failure?.filter === filter ? failure.error : undefined;
  const filterError: FilterRefusal | undefined = isRefusedFilter(error) ? { filter, message: error.message } : undefined;
  const stale = filterError !== undefined && rowsFilter !== undefined && rowsFilter !== filter;

  const sortButton = (column: ModelSortColumn, label: ComponentChildren, title?: string) => {
    const active = sameColumn(sort.column, column);
    return (
      <th
        key={`${column.kind}:${column.key}`}
        aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}
        class={column.kind === 'metric' ? 'col-metric' : undefined}
        title={title}
      >
        <button type="button" class="th-sort" onClick={() => setSort((s) => nextSort(s, column))}>
          {label}
          {active ? (sort.descending ? ' ▼' : ' ▲') : ''}
        </button>
      </th>
    );
  };

  return (
    <section class="page logged-models-page">
      <header class="page-head">
        <h1>
          <a href={hrefOf({ page: 'experiments' })}>Experiments</a> / {experiment.value?.name ?? experimentId}
        </h1>
      </header>
      {experiment.error !== undefined && <ErrorBanner error={experiment.error} />}
      <ExperimentNav experimentId={experimentId} current="models" />
      <div class="toolbar">
        <FilterBox
          value={filter}
          onApply={setFilter}
          {...(filterError !== undefined ? { error: filterError } : {})}
          label="Filter models"
          placeholder="metrics.accuracy > 0.9 and status = 'LOGGED_MODEL_READY'"
        />
      </div>
      {error !== undefined && !filterError && <ErrorBanner error={error} />}
      <p class="muted count" aria-live="polite">
        {rows.length.toLocaleString()} models{next ? ' loaded, more below' : ''}
        {stale ? ` · still showing ${rowsFilter ? `the models of ${rowsFilter}` : 'all models'} until the filter is fixed` : ''}
        {loading ? ' · loading…' : ''}
      </p>
      <div class="logged-models-table">
        <table class="grid" aria-label="Logged models">
          <thead>
            <tr>
              {FIXED.map((c) => sortButton(c.key, c.title))}
              {keys.metrics.map((k) =>
                sortButton(
                  { kind: 'metric', key: k },
                  <>
                    <span class="kind">m</span> {k}
                  </>,
                  `metric ${k} (latest value)`,
                ),
              )}
              {/* The server cannot order models by a param: these headers are plain. */}
              {keys.params.map((k) => (
                <th key={`param:${k}`} class="col-param" title={`param ${k}`}>
                  <span class="kind">p</span> {k}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const info = r.model.info;
              const status = statusOf(info.status);
              return (
                <tr key={info.model_id} data-model-id={info.model_id} class={stale ? 'stale' : undefined}>
                  <td>
                    <a href={hrefOf({ page: 'logged-model', modelId: info.model_id, experimentId })}>{info.name || info.model_id}</a>
                  </td>
                  <td>
                    <span class={`status status-${status.css}`} title={info.status_message}>
                      {status.label}
                    </span>
                  </td>
                  <td>{info.model_type}</td>
                  <td class="mono">
                    {info.source_run_id ? (
                      <a href={hrefOf({ page: 'run', runId: info.source_run_id })} title={info.source_run_id}>
                        {info.source_run_id.slice(0, 12)}
                      </a>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td>{formatTime(info.creation_timestamp_ms)}</td>
                  {keys.metrics.map((k) => (
                    <td key={`metric:${k}`} class="num">
                      {r.metrics.get(k) ?? ''}
                    </td>
                  ))}
                  {keys.params.map((k) => (
                    <td key={`param:${k}`} class="mono ellipsis" title={r.params.get(k)}>
                      {r.params.get(k) ?? ''}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {!loading && next && (
        <button type="button" class="more" onClick={() => load(next, generation.current)}>
          Load more models
        </button>
      )}
      {!loading && rows.length === 0 && error === undefined && (
        <p class="muted">{filter ? 'No models match.' : 'No logged models yet: MLflow 3 logs one with each log_model call.'}</p>
      )}
    </section>
  );
}

/** The server refused the filter or order (a parser error the filter box shows in place). */
function isRefusedFilter(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 'INVALID_PARAMETER_VALUE';
}
