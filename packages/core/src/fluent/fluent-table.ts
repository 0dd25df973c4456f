import { LabbookError, invalidParameter } from '../errors.js';
import { fluentClient, resolveFluentRunId } from './fluent.js';

/** Run tag listing the tables (and other typed artifacts) of a run, as MLflow's UI expects. */
export const LOGGED_ARTIFACTS_TAG = 'mlflow.loggedArtifacts';

/** A table: rows (objects) or columns (an object of equal-length arrays). */
export type TableInput = Record<string, unknown>[] | Record<string, unknown[]>;

function toRows(table: TableInput): Record<string, unknown>[] {
  if (Array.isArray(table)) return table;
  if (!table || typeof table !== 'object')
    throw invalidParameter('A table is an array of rows or an object of columns.', { field: 'data' });
  const columns = Object.keys(table);
  for (const c of columns) {
    if (!Array.isArray(table[c])) throw invalidParameter(`Column '${c}' is not an array.`, { field: 'data' });
  }
  const length = Math.max(0, ...columns.map((c) => table[c]!.length));
  return Array.from({ length }, (_, i) => Object.fromEntries(columns.map((c) => [c, table[c]![i] ?? null])));
}

/**
 * Logs a table as JSON in MLflow's `log_table` format (`{"columns", "data"}`, pandas `split`
 * orient). As MLflow does, logging to a file that exists appends the rows, and the run's
 * `mlflow.loggedArtifacts` tag lists the file once so MLflow's evaluation view finds it.
 */
export async function logTable(data: TableInput, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
  if (/["',:[\]{}]/.test(artifactFile)) {
    throw invalidParameter(`Table artifact names may not contain " ' , : [ ] { }: '${artifactFile}'.`, { field: 'artifact_file' });
  }
  const client = fluentClient();
  const runId = await resolveFluentRunId(options.runId);
  let rows = toRows(data);
  try {
    rows = [...(await client.loadTable(runId, artifactFile)), ...rows];
  } catch (error) {
    // Only "not there yet" starts a new table; anything else (a non-table file there) is the caller's to see.
    if (!(LabbookError.is(error) && error.code === 'RESOURCE_DOES_NOT_EXIST')) throw error;
  }
  await client.logTable(runId, rows, artifactFile);
  const run = await client.getRun(runId);
  const raw = run.data.tags.find((t) => t.key === LOGGED_ARTIFACTS_TAG)?.value;
  let list: { path: string; type: string }[] = [];
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) list = parsed as { path: string; type: string }[];
  } catch {
    // A malformed tag written by something else is replaced rather than failing the log.
  }
  if (!list.some((e) => e.path === artifactFile && e.type === 'table')) {
    list.push({ path: artifactFile, type: 'table' });
    await client.setTag(runId, LOGGED_ARTIFACTS_TAG, JSON.stringify(list));
  }
}
