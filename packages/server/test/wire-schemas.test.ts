/**
 * MLflow's request checks, generated from the one schema table (src/wire-schemas.ts): for every RPC,
 * each required field left out and each checked field sent with a wrong JSON type must be answered
 * 400 INVALID_PARAMETER_VALUE with MLflow's exact text, before any store is asked. The same cases
 * run against a file-backed and a MySQL-backed server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Check, type Field, RPC_SCHEMAS, type RpcSchema } from '../src/wire-schemas.js';
import { fileServer, mysqlBackedServer, mysqlDatabaseOrSkip } from './helpers.js';
import { raw } from './raw-http.js';

const SEE_DOCS = ' See the API docs for more information about request parameters.';
const TYPE_CHECKS = ['string', 'int', 'double', 'bool', 'array'] as const;

/** A value of the field's own type (query text for GET). */
function validValue(field: Field | undefined, get: boolean): unknown {
  if (field === undefined) return 'x';
  const { type } = field;
  const one = (): unknown => {
    if (type.kind === 'enum') return Object.keys(type.values)[0];
    if (type.kind === 'message') return { key: 'k', value: '1', timestamp: 1 };
    if (type.type === 'int') return get ? '1' : 1;
    if (type.type === 'double') return get ? '1.5' : 1.5;
    if (type.type === 'bool') return get ? 'true' : true;
    return 'x';
  };
  return field.repeated ? [one()] : one();
}

/** A value the check refuses, and how MLflow prints it and names its Python type. */
const WRONG: Record<(typeof TYPE_CHECKS)[number], { value: unknown; shown: string; type: string }> = {
  string: { value: 31, shown: '31', type: 'int' },
  int: { value: 'abc', shown: 'abc', type: 'str' },
  double: { value: 'abc', shown: 'abc', type: 'str' },
  bool: { value: 'yes', shown: 'yes', type: 'str' },
  array: { value: 'foo', shown: 'foo', type: 'str' },
};

interface Case {
  name: string;
  method: string;
  path: string;
  args: Record<string, unknown>;
  message: string;
}

function requiredOf(schema: RpcSchema): string[] {
  return Object.entries(schema.checks)
    .filter(([, checks]) => checks.includes('required'))
    .map(([name]) => name);
}

function baseArgs(schema: RpcSchema, get: boolean): Record<string, unknown> {
  return Object.fromEntries(requiredOf(schema).map((name) => [name, validValue(schema.fields[name], get)]));
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const [key, schema] of Object.entries(RPC_SCHEMAS)) {
    const [method, path] = key.split(' ') as [string, string];
    const get = method === 'GET';
    for (const name of requiredOf(schema)) {
      const args = baseArgs(schema, get);
      delete args[name];
      out.push({
        name: `${key}: without ${name}`,
        method,
        path,
        args,
        message: `Missing value for required parameter '${name}'.${SEE_DOCS}`,
      });
    }
    for (const [name, checks] of Object.entries(schema.checks)) {
      const check = checks.find((c): c is (typeof TYPE_CHECKS)[number] => (TYPE_CHECKS as readonly Check[]).includes(c));
      if (check === undefined) continue;
      // A query string carries only text: only numbers and bools can be of the wrong type there.
      if (get && (check === 'string' || check === 'array')) continue;
      // MLflow turns numeric experiment ids into text before parsing (MLflow 1.x clients sent numbers).
      if (name === 'experiment_id' && check === 'string') continue;
      const wrong = WRONG[check];
      const args = { ...baseArgs(schema, get), [name]: wrong.value };
      const message =
        get && check === 'bool'
          ? `Invalid boolean value: ${wrong.shown}, must be 'true' or 'false'.`
          : `Invalid value ${wrong.shown} for parameter '${name}' supplied. Hint: Value was of type '${get ? 'str' : wrong.type}'.${SEE_DOCS}`;
      out.push({ name: `${key}: ${name} as ${get ? 'text' : wrong.type}`, method, path, args, message });
    }
  }
  return out;
}

/** A path with its parameters (`logged-models/:model_id`) filled in with well-formed values. */
function filled(path: string): string {
  return path.replace(/:model_id\b/g, `m-${'0'.repeat(32)}`).replace(/:(\w+)/g, 'k');
}

function send(base: string, c: Case) {
  const path = filled(c.path);
  if (c.method === 'GET') {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(c.args)) for (const item of Array.isArray(v) ? v : [v]) query.append(k, String(item));
    return raw(base, 'GET', `/api/2.0/mlflow/${path}?${query}`);
  }
  const body = JSON.stringify(c.args);
  // Node's client sends a DELETE body without framing unless the length is given.
  return raw(base, c.method, `/api/2.0/mlflow/${path}`, {
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
}

const ALL = cases();

function describeAgainst(label: string, start: () => Promise<{ url: string; close: () => Promise<void> }>): void {
  describe(`MLflow's request checks (${label})`, () => {
    let server: { url: string; close: () => Promise<void> };
    beforeAll(async () => {
      server = await start();
    });
    afterAll(() => server.close());

    it('covers every RPC in the table with missing-field and wrong-type cases', () => {
      // Without cases: get-download-uri (MLflow checks nothing), and the logged-model RPCs whose
      // only fields are in the path or are query strings (GET, DELETE by id, delete-tag, list artifacts).
      expect(new Set(ALL.map((c) => `${c.method} ${c.path}`)).size).toBeGreaterThanOrEqual(Object.keys(RPC_SCHEMAS).length - 5);
      expect(ALL.length).toBeGreaterThan(120);
    });

    it.each(ALL.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const r = await send(server.url, c);
      expect(r.status, r.body).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: c.message });
    });

    it.each([
      [
        'a nested metric value',
        'runs/log-batch',
        { run_id: 'r', metrics: [{ key: 'k', value: 'abc', timestamp: 1 }] },
        "Invalid value abc for parameter 'metrics[0].value' supplied. Hint: Value was of type 'str'.",
      ],
      [
        'a hex step',
        'runs/log-metric',
        { run_id: 'r', key: 'k', value: 1, timestamp: 1, step: '0x10' },
        "Invalid value 0x10 for parameter 'step' supplied. Hint: Value was of type 'str'.",
      ],
      [
        'a hex value',
        'runs/log-metric',
        { run_id: 'r', key: 'k', value: '0x10', timestamp: 1 },
        "Invalid value 0x10 for parameter 'value' supplied. Hint: Value was of type 'str'.",
      ],
      [
        'a list as a param key',
        'runs/log-parameter',
        { run_id: 'r', key: ['a'], value: 'v' },
        "Invalid value ['a'] for parameter 'key' supplied. Hint: Value was of type 'list'.",
      ],
      [
        'a number as a tag value',
        'runs/set-tag',
        { run_id: 'r', key: 'k', value: 41 },
        "Invalid value 41 for parameter 'value' supplied. Hint: Value was of type 'int'.",
      ],
      [
        'a string as metrics',
        'runs/log-batch',
        { run_id: 'r', metrics: 'foo' },
        "Invalid value foo for parameter 'metrics' supplied. Hint: Value was of type 'str'.",
      ],
      [
        'a metric without a timestamp',
        'runs/log-batch',
        { run_id: 'r', metrics: [{ key: 'k', value: 1 }] },
        "Missing value for required parameter 'metrics[0].timestamp'.",
      ],
      [
        'an unknown run status',
        'runs/update',
        { run_id: 'r', status: 'DONE' },
        "Invalid value DONE for parameter 'status' supplied. Hint: Value was of type 'str'.",
      ],
    ])('refuses %s with MLflow’s text', async (_what, path, body, message) => {
      const r = await raw(server.url, 'POST', `/api/2.0/mlflow/${path}`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status, r.body).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `${message}${SEE_DOCS}` });
    });

    it('accepts what MLflow accepts: int64 and double as text, NaN/Infinity, numeric experiment ids, run_uuid for run_id', async () => {
      const post = (path: string, body: unknown) =>
        raw(server.url, 'POST', `/api/2.0/mlflow/${path}`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const created = await post('runs/create', { experiment_id: 0, start_time: '1700000000000' });
      expect(created.status, created.body).toBe(200);
      const runId = JSON.parse(created.body).run.info.run_id as string;
      for (const value of ['1.5', 'NaN', 'Infinity', '-Infinity', 2, ' 3e2 ']) {
        const r = await post('runs/log-metric', { run_uuid: runId, key: 'm', value, timestamp: '5', step: '-2' });
        expect(r.status, `${JSON.stringify(value)}: ${r.body}`).toBe(200);
      }
      const updated = await post('runs/update', { run_id: runId, status: 3 });
      expect(updated.status, updated.body).toBe(200);
      expect(JSON.parse(updated.body).run_info.status).toBe('FINISHED');
    });

    it('refuses a body nested 5,000 levels deep with a 400 naming the limit', async () => {
      const deep = `{"name": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
      for (const path of ['experiments/create', 'runs/log-batch']) {
        const r = await raw(server.url, 'POST', `/api/2.0/mlflow/${path}`, { headers: { 'content-type': 'application/json' }, body: deep });
        expect(r.status, r.body).toBe(400);
        expect(JSON.parse(r.body)).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('64 levels') });
      }
      // A deep value where a string belongs, within the limit, is shown cut short.
      const nested = `{"name": ${'['.repeat(60)}"x"${']'.repeat(60)}}`;
      const r = await raw(server.url, 'POST', '/api/2.0/mlflow/experiments/create', {
        headers: { 'content-type': 'application/json' },
        body: nested,
      });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).message).toMatch(/^Invalid value \[\[\[\[\[\.\.\.\]\]\]\]\] for parameter 'name'/);
    });
  });
}

describeAgainst('file store', () => fileServer());

const mysqlDatabase = () => mysqlDatabaseOrSkip('labbook_wire');
const probe = await mysqlDatabase();
await probe?.drop();

describe.runIf(probe !== undefined)('on MySQL', () => {
  describeAgainst('MySQL', async () => {
    const server = await mysqlBackedServer((await mysqlDatabase())!);
    return { url: server.url, close: server.dispose };
  });
});
