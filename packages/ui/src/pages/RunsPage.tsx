/**
 * The runs of one experiment: a virtualised table paged from the server, a filter box taking the
 * search grammar, sortable and pickable columns, selection for compare, delete and restore.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api/client';
import { ErrorBanner } from '../components/ErrorBanner';
import { ExperimentNav } from '../components/ExperimentNav';
import { FilterBox, type FilterRefusal } from '../components/FilterBox';
import { VirtualRows } from '../components/VirtualRows';
import { formatDuration, formatTime } from '../formatting';
import { hrefOf } from '../route';
import {
  type ColumnKind,
  type DataColumn,
  type RunRow,
  cellOf,
  defaultColumns,
  keysOf,
  loadColumns,
  orderTermOf,
  rowOf,
  saveColumns,
} from '../runs-table-columns';
import { useAsync } from '../use-async';

const PAGE_SIZE = 200;
const ROW_HEIGHT = 32;
const FIXED = [
  { key: 'run_name', title: 'Run', width: 220 },
  { key: 'start_time', title: 'Created', width: 180 },
  { key: 'duration', title: 'Duration', width: 100 },
  { key: 'status', title: 'Status', width: 90 },
];
const DATA_WIDTH = 130;

interface Sort {
  column: DataColumn | { kind: 'attribute'; key: string };
  descending: boolean;
}

/**
 * @param initialFilter - the filter in the link that opened the page; the filter applied later is written
 *   back into the address (replacing, not adding, a history entry), so the view can be shared.
 */
export function RunsPage({ experimentId, initialFilter }: { experimentId: string; initialFilter?: string }) {
  const experiment = useAsync(() => api.getExperiment(experimentId), [experimentId]);
  const [filter, setFilterState] = useState(initialFilter ?? '');
  const setFilter = (next: string) => {
    setFilterState(next);
    history.replaceState(history.state, '', hrefOf({ page: 'runs', experimentId, ...(next ? { filter: next } : {}) }));
  };
  const [deleted, setDeleted] = useState(false);
  const [sort, setSort] = useState<Sort>({ column: { kind: 'attribute', key: 'start_time' }, descending: true });
  const [rows, setRows] = useState<RunRow[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  // A failure remembers the filter it happened under: an error shown next to other text (the old
  // filter's caret under the new filter) is wrong, not merely late.
  const [failure, setFailure] = useState<{ error: unknown; filter: string } | undefined>();
  // The filter the rows on screen answer: a refused filter keeps the last good rows, marked as such.
  const [rowsFilter, setRowsFilter] = useState<string | undefined>();
  // The user's last pick for this experiment; the defaults come from the first page of runs.
  const [columns, setColumns] = useState<DataColumn[] | undefined>(() => loadColumns(experimentId));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const generation = useRef(0);

  const orderBy = [orderTermOf(sort.column, sort.descending)];
  const load = async (token: string | undefined, gen: number) => {
    setLoading(true);
    try {
      const page = await api.searchRuns({
        experimentIds: [experimentId],
        filter,
        orderBy,
        viewType: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY',
        ...(token !== undefined ? { pageToken: token } : {}),
        maxResults: PAGE_SIZE,
      });
      if (gen !== generation.current) return;
      const fresh = page.items.map(rowOf);
      setRows((old) => (token ? [...old, ...fresh] : fresh));
      setNext(page.nextPageToken);
      setRowsFilter(filter);
      setFailure(undefined);
    } catch (e) {
      if (gen !== generation.current) return;
      setFailure({ error: e, filter });
      // The rows of a refused filter stay (with a note saying which filter they answer) so the
      // user does not lose the view while fixing a typo; any other failure empties the table.
      if (!token && !isRefusedFilter(e)) {
        setRows([]);
        setRowsFilter(undefined);
      }
      // The page token belongs to the query before this one: scrolling must not fetch more of it.
      if (!token) setNext(undefined);
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  };
  const reload = () => {
    generation.current++;
    setNext(undefined);
    setSelected(new Set());
    // The last query's error is about that query; leaving it up until this one is answered would
    // show it against a query it was never about.
    setFailure(undefined);
    load(undefined, generation.current);
  };
  useEffect(reload, [experimentId, filter, deleted, orderBy[0]]);
  useEffect(() => {
    if (columns === undefined && rows.length > 0) setColumns(defaultColumns(rows));
  }, [rows]);

  const keys = useMemo(() => keysOf(rows), [rows]);
  const shown = columns ?? [];
  // This render may already carry a new filter while `failure` (cleared by the effect that follows)
  // is still the old one's: only an error about the filter on screen counts.
  const error = failure?.filter === filter ? failure.error : undefined;
  const filterError: FilterRefusal | undefined = isRefusedFilter(error) ? { filter, message: error.message } : undefined;
  const stale = filterError !== undefined && rowsFilter !== undefined && rowsFilter !== filter;

  const toggleColumn = (kind: ColumnKind, key: string) => {
    setColumns((cols) => {
      const current = cols ?? [];
      const next = current.some((c) => c.kind === kind && c.key === key)
        ? current.filter((c) => !(c.kind === kind && c.key === key))
        : [...current, { kind, key }];
      saveColumns(experimentId, next);
      return next;
    });
  };
  const sortBy = (column: Sort['column']) =>
    setSort((s) => ({ column, descending: s.column.kind === column.kind && s.column.key === column.key ? !s.descending : true }));
  const sortMark = (column: Sort['column']) =>
    sort.column.kind === column.kind && sort.column.key === column.key ? (sort.descending ? ' ▼' : ' ▲') : '';
  const ariaSort = (column: Sort['column']) =>
    sort.column.kind === column.kind && sort.column.key === column.key ? (sort.descending ? 'descending' : 'ascending') : undefined;
  const toggleSelected = (id: string) =>
    setSelected((current) => {
      const s = new Set(current);
      if (s.has(id)) s.delete(id);
      else s.add(id);
      return s;
    });
  const act = async (fn: (id: string) => Promise<unknown>) => {
    try {
      for (const id of selected) await fn(id);
      reload();
    } catch (e) {
      setFailure({ error: e, filter });
    }
  };
  const width = 40 + FIXED.reduce((s, c) => s + c.width, 0) + shown.length * DATA_WIDTH;

  const header = (
    <tr>
      <th style={{ width: '40px' }}>
        <input
          type="checkbox"
          aria-label="Select all loaded runs"
          checked={rows.length > 0 && selected.size === rows.length}
          onChange={(e) => setSelected(e.currentTarget.checked ? new Set(rows.map((r) => r.run.info.run_id)) : new Set())}
        />
      </th>
      {FIXED.map((c) => {
        const col = { kind: 'attribute' as const, key: c.key };
        const sortable = c.key === 'run_name' || c.key === 'start_time' || c.key === 'status';
        return (
          <th key={c.key} style={{ width: `${c.width}px` }} aria-sort={sortable ? ariaSort(col) : undefined}>
            {sortable ? (
              <button type="button" class="th-sort" onClick={() => sortBy(col)}>
                {c.title}
                {sortMark(col)}
              </button>
            ) : (
              c.title
            )}
          </th>
        );
      })}
      {shown.map((c) => (
        <th
          key={`${c.kind}:${c.key}`}
          style={{ width: `${DATA_WIDTH}px` }}
          class={`col-${c.kind}`}
          aria-sort={ariaSort(c)}
          title={`${c.kind} ${c.key}`}
        >
          <button type="button" class="th-sort" onClick={() => sortBy(c)}>
            <span class="kind">{c.kind === 'metric' ? 'm' : c.kind === 'param' ? 'p' : 't'}</span> {c.key}
            {sortMark(c)}
          </button>
        </th>
      ))}
      {/* Takes the width left over on a wide screen, so the columns keep their widths and rows span the view. */}
      <th class="filler" />
    </tr>
  );

  return (
    <section class="page runs-page">
      <header class="page-head">
        <h1>
          <a href={hrefOf({ page: 'experiments' })}>Experiments</a> / {experiment.value?.name ?? experimentId}
        </h1>
        <div class="actions">
          {selected.size > 0 ? (
            <a class="button compare-action" href={hrefOf({ page: 'compare', runIds: [...selected] })}>
              Compare ({selected.size})
            </a>
          ) : (
            <button type="button" class="compare-action" disabled title="Select runs to compare">
              Compare (0)
            </button>
          )}
          {deleted ? (
            <button type="button" disabled={selected.size === 0} onClick={() => act(api.restoreRun)}>
              Restore
            </button>
          ) : (
            <button type="button" class="danger" disabled={selected.size === 0} onClick={() => act(api.deleteRun)}>
              Delete
            </button>
          )}
        </div>
      </header>
      {experiment.error !== undefined && <ErrorBanner error={experiment.error} />}
      <ExperimentNav experimentId={experimentId} current="runs" />
      <div class="toolbar">
        <FilterBox value={filter} onApply={setFilter} {...(filterError !== undefined ? { error: filterError } : {})} />
        <label class="check">
          <input type="checkbox" checked={deleted} onChange={(e) => setDeleted(e.currentTarget.checked)} /> Deleted runs
        </label>
        <details class="column-picker">
          <summary>Columns ({shown.length})</summary>
          <div class="picker-body">
            {(['metric', 'param', 'tag'] as const).map((kind) => (
              <fieldset key={kind}>
                <legend>{kind === 'metric' ? 'Metrics' : kind === 'param' ? 'Params' : 'Tags'}</legend>
                {keys[kind].length === 0 && <span class="muted">none</span>}
                {keys[kind].map((key) => (
                  <label key={key} class="check">
                    <input
                      type="checkbox"
                      checked={shown.some((c) => c.kind === kind && c.key === key)}
                      onChange={() => toggleColumn(kind, key)}
                    />{' '}
                    {key}
                  </label>
                ))}
              </fieldset>
            ))}
          </div>
        </details>
      </div>
      {error !== undefined && !filterError && <ErrorBanner error={error} />}
      <p class="muted count" aria-live="polite">
        {rows.length.toLocaleString()} runs{next ? ' loaded, more on scroll' : ''}
        {stale ? ` · still showing ${rowsFilter ? `the runs of ${rowsFilter}` : 'all runs'} until the filter is fixed` : ''}
        {loading ? ' · loading…' : ''}
      </p>
      <VirtualRows
        label="Runs"
        items={rows}
        rowHeight={ROW_HEIGHT}
        width={width}
        header={header}
        onNearEnd={() => {
          if (next && !loading) load(next, generation.current);
        }}
        resetKey={`${filter}|${deleted}|${orderBy[0]}`}
        keyOf={(r) => r.run.info.run_id}
        rowProps={(r) => ({
          class: [selected.has(r.run.info.run_id) ? 'selected' : '', stale ? 'stale' : ''].join(' ').trim() || undefined,
          'data-run-id': r.run.info.run_id,
        })}
        onOpen={(r) => {
          location.hash = hrefOf({ page: 'run', runId: r.run.info.run_id });
        }}
        onToggle={(r) => toggleSelected(r.run.info.run_id)}
        cells={(r) => {
          const id = r.run.info.run_id;
          return (
            <>
              <td>
                <input
                  type="checkbox"
                  tabIndex={-1}
                  aria-label={`Select run ${r.run.info.run_name ?? id}`}
                  checked={selected.has(id)}
                  onChange={() => toggleSelected(id)}
                />
              </td>
              <td>
                <a tabIndex={-1} href={hrefOf({ page: 'run', runId: id })}>
                  {r.run.info.run_name || id}
                </a>
              </td>
              <td>{formatTime(r.run.info.start_time)}</td>
              <td>{formatDuration(r.run.info.start_time, r.run.info.end_time)}</td>
              <td>
                <span class={`status status-${r.run.info.status.toLowerCase()}`}>{r.run.info.status}</span>
              </td>
              {shown.map((c) => {
                const text = cellOf(r, c);
                return (
                  <td key={`${c.kind}:${c.key}`} class={c.kind === 'metric' ? 'num' : undefined} title={text}>
                    {text}
                  </td>
                );
              })}
              <td class="filler" />
            </>
          );
        }}
      />
      {!loading && rows.length === 0 && error === undefined && <p class="muted">No runs match.</p>}
    </section>
  );
}

/** The server refused the filter or order (a parser error the filter box shows in place). */
function isRefusedFilter(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 'INVALID_PARAMETER_VALUE';
}
