/**
 * `/invocations` bodies read as MLflow's scoring server reads them (`infer_and_parse_data`,
 * `parse_csv_input`): the JSON protocol of MLflow 2.0+ and CSV, into the inputs labbook models take
 * (a `Frame`, nested arrays, an object of arrays). The model's signature is enforced afterwards by
 * `predict` itself, as in MLflow; here only the shape of the request is checked.
 */
import { type ColSpec, type Frame, isTensorSchema, LabbookError, type Schema, toFrame } from '@labbook/core';
import { parseCsvColumns } from './csv.js';

/** The four input fields of MLflow's JSON protocol. */
export const INPUT_FIELDS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

const REQUIRED_INPUT_FORMAT =
  "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}";
// MLflow's own note, kept word for word: clients of MLflow 1.x send `format=pandas-split` bodies.
const SCORING_PROTOCOL_CHANGE_INFO =
  "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format. To resolve the error, either update your request format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.";

/** What predict is called with. */
export interface ParsedRequest {
  input: unknown;
  params?: Record<string, unknown>;
}

function badRequest(message: string): LabbookError {
  return new LabbookError('BAD_REQUEST', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function splitFrame(value: unknown): Frame {
  if (!isObject(value))
    throw badRequest(
      `dataframe_split must be an object {"columns": [...], "data": [[...], ...]}; got ${Array.isArray(value) ? 'a list' : typeof value}.`,
    );
  const extra = Object.keys(value).filter((k) => k !== 'columns' && k !== 'data' && k !== 'index');
  if (extra.length > 0)
    throw badRequest(`dataframe_split accepts only the keys columns, data and index; it has ${extra.map((k) => `'${k}'`).join(', ')}.`);
  const { columns, data } = value;
  if (!Array.isArray(data)) throw badRequest('dataframe_split needs "data": a list of rows, each a list of values.');
  if (columns !== undefined && (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string' || typeof c === 'number'))) {
    throw badRequest('dataframe_split "columns" must be a list of column names.');
  }
  const names = columns?.map(String);
  // pandas reads a row that is a bare value as a one-column row.
  const rows = data.map((r) => (Array.isArray(r) ? (r as unknown[]) : [r]));
  if (names) {
    const wrong = rows.findIndex((r) => r.length !== names.length);
    if (wrong >= 0)
      throw badRequest(`dataframe_split row ${wrong} has ${rows[wrong]!.length} values but there are ${names.length} columns.`);
  }
  const f = toFrame(names ? { columns: names, data: rows } : { data: rows });
  if (!f) throw badRequest('dataframe_split could not be read as a DataFrame.');
  return f;
}

function recordsFrame(value: unknown): Frame {
  if (!Array.isArray(value)) throw badRequest('dataframe_records must be a list of records, e.g. [{"x": 1}, {"x": 2}].');
  if (value.length === 0) return { kind: 'frame', columns: [], data: {}, length: 0 };
  if (!value.every(isObject) && !value.every(Array.isArray))
    throw badRequest('dataframe_records must be a list of records (objects), e.g. [{"x": 1}, {"x": 2}].');
  const f = toFrame(value);
  if (!f) throw badRequest('dataframe_records could not be read as a DataFrame.');
  return f;
}

/** `instances` (TF serving's row format): records become columns `{name: [...]}`, a plain list stays a list. */
function instancesInput(value: unknown): unknown {
  if (!Array.isArray(value)) {
    if (isObject(value)) return value;
    throw badRequest('instances must be a list: of records ([{"a": 1}, …]) or of values/rows ([[1, 2], …]).');
  }
  if (value.length === 0 || !value.every(isObject)) return value;
  const names = Object.keys(value[0] as Record<string, unknown>);
  const columns: Record<string, unknown[]> = Object.fromEntries(names.map((n) => [n, []]));
  value.forEach((row, i) => {
    const keys = Object.keys(row as Record<string, unknown>);
    if (keys.length !== names.length || !keys.every((k) => k in columns)) {
      throw badRequest(
        `instances[${i}] has the fields ${keys.join(', ')} but instances[0] has ${names.join(', ')}: every instance needs the same fields (all columns must have the same length).`,
      );
    }
    for (const n of names) columns[n]!.push((row as Record<string, unknown>)[n]);
  });
  return columns;
}

/** `inputs` (TF serving's columnar format): a list or a dict of lists; a bare list binds to a single-name tensor schema. */
function inputsInput(value: unknown, schema: Schema | undefined): unknown {
  if (Array.isArray(value) && schema && isTensorSchema(schema) && schema.length === 1 && schema[0]!.name !== undefined)
    return { [schema[0]!.name]: value };
  return value;
}

/** Reads a parsed JSON body (MLflow 2.0+ protocol) into predict's input and params. */
export function parseJsonInput(body: unknown, schema: Schema | undefined): ParsedRequest {
  if (!isObject(body)) {
    const got = Array.isArray(body) ? 'a list' : body === null ? 'null' : typeof body;
    throw badRequest(`${REQUIRED_INPUT_FORMAT}. Received ${got}. ${SCORING_PROTOCOL_CHANGE_INFO}`);
  }
  const fields = INPUT_FIELDS.filter((f) => f in body);
  if (fields.length !== 1) {
    throw badRequest(
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: [${Object.keys(body)
        .map((k) => `'${k}'`)
        .join(', ')}]. ${SCORING_PROTOCOL_CHANGE_INFO}`,
    );
  }
  const field = fields[0]!;
  const value = body[field];
  let input: unknown;
  if (field === 'dataframe_split') input = splitFrame(value);
  else if (field === 'dataframe_records') input = recordsFrame(value);
  else if (field === 'instances') input = instancesInput(value);
  else input = inputsInput(value, schema);
  const params = body.params;
  if (params === undefined || params === null) return { input };
  if (!isObject(params))
    throw badRequest(
      `"params" must be a JSON dictionary of parameter names to values; got ${Array.isArray(params) ? 'a list' : typeof params}.`,
    );
  return { input, params };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A CSV cell as pandas' `read_csv` would type it: empty → null, numbers, True/False, else the text. */
function csvValue(cell: string, keepText: boolean): unknown {
  if (keepText) return cell;
  if (cell === '') return null;
  const t = cell.trim();
  if (NUMBER.test(t)) return Number(t);
  if (t === 'True' || t === 'true' || t === 'TRUE') return true;
  if (t === 'False' || t === 'false' || t === 'FALSE') return false;
  if (t === 'NaN' || t === 'nan') return null;
  return cell;
}

/** Reads a CSV body into a Frame; columns typed as strings in a column signature stay text. */
export function parseCsvInput(text: string, schema: Schema | undefined): ParsedRequest {
  const { columns, rows } = parseCsvColumns(text);
  const textColumns = new Set<string>();
  if (schema && !isTensorSchema(schema)) {
    for (const spec of schema as ColSpec[])
      if (spec.name !== undefined && (spec.type === 'string' || spec.type === 'binary')) textColumns.add(spec.name);
  }
  const data: Record<string, unknown[]> = {};
  columns.forEach((c, j) => {
    const keep = textColumns.has(c);
    data[c] = rows.map((r) => csvValue(r[j]!, keep));
  });
  return { input: { kind: 'frame', columns, data, length: rows.length } satisfies Frame };
}
