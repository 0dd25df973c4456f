/**
 * A compact in-memory evaluator of MLflow's search grammar, used only when the installed
 * `@labbook/core` does not provide its own (`searchRunsInMemory` and friends), so that the file store
 * keeps searching with an older core. Core's evaluator always wins when present.
 */
import type { Experiment, ModelVersion, PagedList, RegisteredModel, Run } from '@labbook/core';
import { invalidParameter } from '@labbook/core';

type Kind = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
interface Ident {
  kind: Kind;
  key: string;
}
type Value = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'list'; v: string[] };
interface Clause {
  id: Ident;
  op: string;
  value: Value;
}
interface Order {
  id: Ident;
  asc: boolean;
}

const KINDS: Record<string, Kind> = {
  metric: 'metric', metrics: 'metric', param: 'param', params: 'param', parameter: 'param', parameters: 'param',
  tag: 'tag', tags: 'tag', attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
  dataset: 'dataset', datasets: 'dataset',
};
const ATTR_ALIASES: Record<string, string> = {
  created: 'start_time', Created: 'start_time', 'run name': 'run_name', 'Run name': 'run_name', 'Run Name': 'run_name',
};

function bad(message: string): never {
  throw invalidParameter(message);
}

function unquote(s: string): string {
  const c = s[0];
  if ((c === '"' || c === '`' || c === "'") && s.endsWith(c!) && s.length >= 2) return s.slice(1, -1);
  return s;
}

function parseIdent(text: string): Ident {
  const m = /^(`[^`]+`|[A-Za-z_]+)\.(.+)$/.exec(text.trim());
  if (m) {
    const kind = KINDS[unquote(m[1]!).toLowerCase()];
    if (!kind) bad(`Invalid entity type '${m[1]}'`);
    let key = unquote(m[2]!.trim());
    if (kind === 'attribute') key = ATTR_ALIASES[key] ?? key;
    return { kind, key };
  }
  const key = unquote(text.trim());
  return { kind: 'attribute', key: ATTR_ALIASES[key] ?? key };
}

function splitAnd(filter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i]!;
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth === 0 && /\s/.test(c) && /^\s+and\s/i.test(filter.slice(i))) {
      out.push(cur);
      cur = '';
      i += /^\s+and\s/i.exec(filter.slice(i))![0].length - 1;
      continue;
    }
    cur += c;
  }
  if (quote) bad(`Invalid filter '${filter}': unterminated quote`);
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

const CLAUSE = /^((?:`[^`]+`|[A-Za-z_]+)\.(?:"[^"]+"|`[^`]+`|[^\s=!<>]+)|"[^"]+"|`[^`]+`|[A-Za-z_]+)\s*(!=|>=|<=|=|<|>|\s+not\s+in\s+|\s+in\s+|\s+ilike\s+|\s+like\s+)\s*(.+)$/is;

function parseValue(text: string): Value {
  const t = text.trim();
  if (t.startsWith('(')) {
    if (!t.endsWith(')')) bad(`Invalid value list '${t}'`);
    const items = t.slice(1, -1).split(',').map((x) => x.trim()).filter((x) => x !== '');
    return { t: 'list', v: items.map((x) => unquote(x)) };
  }
  if (t.startsWith("'") || t.startsWith('"')) return { t: 'str', v: unquote(t) };
  const n = Number(t);
  if (t === '' || Number.isNaN(n)) bad(`Invalid value '${t}' in filter`);
  return { t: 'num', v: n };
}

function parseFilterText(filter: string | undefined): Clause[] {
  if (!filter || filter.trim() === '') return [];
  return splitAnd(filter).map((part) => {
    const m = CLAUSE.exec(part);
    if (!m) bad(`Invalid clause(s) in filter string: '${part}'`);
    return { id: parseIdent(m[1]!), op: m[2]!.trim().replace(/\s+/g, ' ').toUpperCase(), value: parseValue(m[3]!) };
  });
}

function parseOrder(orderBy: string[] | undefined): Order[] {
  return (orderBy ?? []).map((o) => {
    const m = /^(.*?)(?:\s+(asc|desc))?\s*$/i.exec(o.trim())!;
    return { id: parseIdent(m[1]!), asc: (m[2] ?? 'asc').toLowerCase() === 'asc' };
  });
}

function like(value: string, pattern: string, insensitive: boolean): boolean {
  const re = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${re}$`, insensitive ? 'is' : 's').test(value);
}

function compare(actual: string | number | undefined, op: string, value: Value): boolean {
  if (actual === undefined) return false;
  if (value.t === 'list') {
    const hit = value.v.includes(String(actual));
    return op === 'IN' ? hit : op === 'NOT IN' ? !hit : bad(`Invalid comparator '${op}' for a list`);
  }
  if (op === 'LIKE') return like(String(actual), String(value.v), false);
  if (op === 'ILIKE') return like(String(actual), String(value.v), true);
  const a = typeof actual === 'number' && value.t === 'num' ? actual : String(actual);
  const b = typeof actual === 'number' && value.t === 'num' ? value.v : String(value.v);
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return bad(`Invalid comparator '${op}'`);
  }
}

type Getter<T> = (item: T, id: Ident) => string | number | undefined;

const runValue: Getter<Run> = (run, id) => {
  switch (id.kind) {
    case 'metric':
      return run.data.metrics.find((m) => m.key === id.key)?.value;
    case 'param':
      return run.data.params.find((p) => p.key === id.key)?.value;
    case 'tag':
      return run.data.tags.find((t) => t.key === id.key)?.value;
    case 'dataset':
      return undefined;
    default: {
      const i = run.info;
      const map: Record<string, string | number | undefined> = {
        run_id: i.runId, run_name: i.runName, status: i.status, user_id: i.userId, artifact_uri: i.artifactUri,
        start_time: i.startTime, end_time: i.endTime, lifecycle_stage: i.lifecycleStage,
      };
      if (!(id.key in map)) bad(`Invalid attribute key '${id.key}' specified.`);
      return map[id.key];
    }
  }
};

const experimentValue: Getter<Experiment> = (e, id) => {
  if (id.kind === 'tag') return e.tags.find((t) => t.key === id.key)?.value;
  const map: Record<string, string | number | undefined> = {
    name: e.name, experiment_id: e.experimentId, creation_time: e.creationTime, last_update_time: e.lastUpdateTime,
  };
  if (!(id.key in map)) bad(`Invalid attribute key '${id.key}' specified.`);
  return map[id.key];
};

const modelValue: Getter<RegisteredModel> = (m, id) => {
  if (id.kind === 'tag') return m.tags.find((t) => t.key === id.key)?.value;
  const map: Record<string, string | number | undefined> = {
    name: m.name, creation_timestamp: m.creationTimestamp, last_updated_timestamp: m.lastUpdatedTimestamp, timestamp: m.lastUpdatedTimestamp,
  };
  if (!(id.key in map)) bad(`Invalid attribute key '${id.key}' specified.`);
  return map[id.key];
};

const versionValue: Getter<ModelVersion> = (v, id) => {
  if (id.kind === 'tag') return v.tags.find((t) => t.key === id.key)?.value;
  const map: Record<string, string | number | undefined> = {
    name: v.name, run_id: v.runId, source_path: v.source, version_number: Number(v.version), creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
  };
  if (!(id.key in map)) bad(`Invalid attribute key '${id.key}' specified.`);
  return map[id.key];
};

/** Real values first, then NaN, then missing, in both directions (MLflow's rule). */
function rank(v: string | number | undefined): number {
  return v === undefined ? 2 : typeof v === 'number' && Number.isNaN(v) ? 1 : 0;
}

function sortBy<T>(items: T[], orders: Order[], get: Getter<T>): T[] {
  const keyed = items.map((item) => ({ item, keys: orders.map((o) => get(item, o.id)) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < orders.length; i++) {
      const a = x.keys[i];
      const b = y.keys[i];
      const ra = rank(a);
      const rb = rank(b);
      if (ra !== rb) return ra - rb;
      if (ra !== 0 || a === b) continue;
      const c = (a as number | string) < (b as number | string) ? -1 : 1;
      return orders[i]!.asc ? c : -c;
    }
    return 0;
  });
  return keyed.map((k) => k.item);
}

function page<T>(items: T[], maxResults: number | undefined, token: string | undefined): PagedList<T> {
  let offset = 0;
  if (token) {
    try {
      offset = Number((JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: number }).offset) || 0;
    } catch {
      bad(`Invalid page token '${token}'`);
    }
  }
  const max = maxResults ?? 1000;
  const slice = items.slice(offset, offset + max);
  return offset + max < items.length
    ? { items: slice, nextPageToken: Buffer.from(JSON.stringify({ offset: offset + max }).replace(':', ': ')).toString('base64') }
    : { items: slice };
}

interface Options {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

function search<T>(items: T[], o: Options, get: Getter<T>, tieBreak: Order[]): PagedList<T> {
  const clauses = parseFilterText(o.filter);
  const matched = items.filter((item) => clauses.every((c) => compare(get(item, c.id), c.op, c.value)));
  const orders = parseOrder(o.orderBy);
  for (const t of tieBreak) if (!orders.some((x) => x.id.kind === t.id.kind && x.id.key === t.id.key)) orders.push(t);
  return page(sortBy(matched, orders, get), o.maxResults, o.pageToken);
}

const attr = (key: string, asc: boolean): Order => ({ id: { kind: 'attribute', key }, asc });

/** Fallback evaluators by the names core exports. */
export const fallbackSearch: Record<string, (items: never[], o: Options) => PagedList<unknown>> = {
  searchRunsInMemory: ((items: Run[], o: Options) =>
    search(items, o, runValue, [attr('start_time', false), attr('run_id', true)])) as never,
  searchExperimentsInMemory: ((items: Experiment[], o: Options) =>
    search(items, { ...o, orderBy: o.orderBy?.length ? o.orderBy : ['creation_time DESC'] }, experimentValue, [attr('experiment_id', true)])) as never,
  searchRegisteredModelsInMemory: ((items: RegisteredModel[], o: Options) => search(items, o, modelValue, [attr('name', true)])) as never,
  searchModelVersionsInMemory: ((items: ModelVersion[], o: Options) =>
    search(items, o, versionValue, [attr('name', true), attr('version_number', false)])) as never,
};

/** The fallback's view of a runs filter: identifiers read, and a per-run matcher. */
export function fallbackRunPlan(
  filter: string | undefined,
  orderBy: string[] | undefined,
): { filterIds: Array<{ type: Kind; key: string }>; orderIds: Array<{ type: Kind; key: string }>; matches?: (run: Run) => boolean } {
  const clauses = parseFilterText(filter);
  const orders = parseOrder(orderBy);
  return {
    filterIds: clauses.map((c) => ({ type: c.id.kind, key: c.id.key })),
    orderIds: orders.map((o) => ({ type: o.id.kind, key: o.id.key })),
    ...(clauses.length > 0 ? { matches: (run: Run) => clauses.every((c) => compare(runValue(run, c.id), c.op, c.value)) } : {}),
  };
}
