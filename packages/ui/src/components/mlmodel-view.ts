/**
 * Reading an MLmodel file in the browser: a YAML reader for what `yaml.safe_dump` writes (block maps
 * and lists, plain and quoted scalars, quoted strings wrapped over lines, as MLflow wraps signature
 * JSON), and the model view made of it. A full YAML library would weigh more than the whole UI.
 */

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
}

function scalarOf(raw: string): YamlValue {
  const s = raw.trim();
  if (s === '' || s === 'null' || s === '~' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True') return true;
  if (s === 'false' || s === 'False') return false;
  if (s === '{}') return {};
  if (s === '[]') return [];
  // Numbers that would print differently (`python_version: 3.10`) stay as written.
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(s) && String(Number(s)) === s) return Number(s);
  if (s.startsWith('[') && s.endsWith(']'))
    return s
      .slice(1, -1)
      .split(',')
      .map((p) => scalarOf(p));
  return s;
}

/** Folds the lines of a multi-line scalar as YAML does: one break is a space, an empty line a newline. */
function fold(parts: string[]): string {
  let out = '';
  parts.forEach((p, i) => {
    const t = i === 0 ? p : p.trim();
    if (i > 0) out += t === '' ? '\n' : out.endsWith('\n') ? '' : ' ';
    out += t;
  });
  return out;
}

/** An MLmodel file the preview cannot read: the artifact browser falls back to showing its text. */
export class MlmodelParseError extends Error {
  override readonly name = 'MlmodelParseError';
}

class Reader {
  private i = 0;
  constructor(private readonly lines: Line[]) {}

  private get line(): Line | undefined {
    return this.lines[this.i];
  }

  /** A scalar that starts on the current line after `start`, consuming continuation lines. */
  private scalar(start: string, parentIndent: number): YamlValue {
    const first = start.trim();
    const quote = first[0];
    if (quote === "'" || quote === '"') {
      const parts = [first];
      const closed = (text: string) =>
        quote === "'" ? /(^|[^'])('')*'$/.test(text) && text.length > 1 : /(^|[^\\])(\\\\)*"$/.test(text) && text.length > 1;
      this.i++;
      while (!closed(fold(parts)) && this.line) {
        parts.push(this.line.text);
        this.i++;
      }
      const body = fold(parts).slice(1, -1);
      if (quote === "'") return body.replace(/''/g, "'");
      try {
        return JSON.parse(`"${body}"`) as string;
      } catch {
        return body;
      }
    }
    const parts = [first];
    this.i++;
    // A plain scalar wrapped over more-indented lines.
    while (this.line && this.line.indent > parentIndent && !/^- |^-$/.test(this.line.text) && !/^[^'"][^:]*:( |$)/.test(this.line.text)) {
      parts.push(this.line.text);
      this.i++;
    }
    return parts.length === 1 ? scalarOf(first) : fold(parts);
  }

  block(indent: number): YamlValue {
    const line = this.line;
    if (!line || line.indent < indent) return null;
    return /^-( |$)/.test(line.text) ? this.sequence(line.indent) : this.mapping(line.indent);
  }

  private sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    while (this.line && this.line.indent === indent && /^-( |$)/.test(this.line.text)) {
      const rest = this.line.text.slice(1).trimStart();
      if (rest === '') {
        this.i++;
        out.push(this.line && this.line.indent > indent ? this.block(this.line.indent) : null);
      } else if (/^[^'"[{][^:]*:( |$)/.test(rest)) {
        // `- key: value` opens a map whose keys sit two columns in.
        const inner = indent + (this.line.text.length - rest.length);
        this.lines[this.i] = { indent: inner, text: rest };
        out.push(this.mapping(inner));
      } else out.push(this.scalar(rest, indent));
    }
    return out;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {};
    while (this.line && this.line.indent === indent && !/^-( |$)/.test(this.line.text)) {
      const text = this.line.text;
      const m = /^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^:]+?)\s*:(?: (.*)|$)/.exec(text);
      if (!m) throw new MlmodelParseError(`Unreadable MLmodel line: ${text}`);
      const rawKey = m[1]!;
      const key = rawKey.startsWith("'")
        ? rawKey.slice(1, -1).replace(/''/g, "'")
        : rawKey.startsWith('"')
          ? (JSON.parse(rawKey) as string)
          : rawKey;
      const value = m[2]?.trim() ?? '';
      if (value === '' || value.startsWith('#')) {
        this.i++;
        const next = this.line;
        // safe_dump writes a key's list at the key's own indent.
        if (next && (next.indent > indent || (next.indent === indent && /^-( |$)/.test(next.text)))) out[key] = this.block(next.indent);
        else out[key] = null;
      } else out[key] = this.scalar(value, indent);
    }
    return out;
  }
}

/** Parses the YAML subset MLmodel files use. Throws on lines it cannot read. */
export function parseYamlSubset(text: string): YamlValue {
  const lines: Line[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (raw.trim() === '' || raw.trimStart().startsWith('#') || raw === '---') continue;
    const indent = raw.length - raw.trimStart().length;
    lines.push({ indent, text: raw.trim() });
  }
  return new Reader(lines).block(0);
}

/** One row of a signature table. */
export interface SchemaRow {
  name: string;
  type: string;
  required: boolean;
}

/** One inference parameter. */
export interface ParamRow {
  name: string;
  type: string;
  default: string;
  shape: string;
}

/** What the model view shows. */
export interface ModelView {
  flavors: { name: string; details: [string, string][] }[];
  inputs?: SchemaRow[];
  outputs?: SchemaRow[];
  params?: ParamRow[];
  inputExample?: { path: string; type?: string };
  servingExample?: string;
  facts: [string, string][];
}

function typeName(spec: Record<string, unknown>): string {
  if (spec.type === 'tensor') {
    const t = (spec['tensor-spec'] ?? {}) as { dtype?: string; shape?: unknown[] };
    return `tensor ${t.dtype ?? '?'} (${(t.shape ?? []).join(', ')})`;
  }
  if (spec.type === 'array') return `array<${typeName((spec.items ?? {}) as Record<string, unknown>)}>`;
  if (spec.type === 'map') return `map<string, ${typeName((spec.values ?? {}) as Record<string, unknown>)}>`;
  if (spec.type === 'object') {
    const props = Object.entries((spec.properties ?? {}) as Record<string, Record<string, unknown>>);
    return `object {${props.map(([k, v]) => `${k}: ${typeName(v)}${v.required === false ? '?' : ''}`).join(', ')}}`;
  }
  return String(spec.type ?? '?');
}

function schemaRows(json: YamlValue | undefined): SchemaRow[] | undefined {
  if (typeof json !== 'string') return undefined;
  const specs = JSON.parse(json) as Record<string, unknown>[];
  return specs.map((s, i) => ({
    name: typeof s.name === 'string' ? s.name : `(unnamed ${i})`,
    type: typeName(s),
    required: s.type === 'tensor' ? true : s.required !== false && s.optional !== true,
  }));
}

function show(value: YamlValue | undefined): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The model view of an MLmodel file's text: flavors, signature tables, input example location. */
export function modelViewOf(text: string): ModelView {
  const doc = parseYamlSubset(text);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new MlmodelParseError('MLmodel is not a YAML map');
  const flavorsNode = (doc.flavors ?? {}) as Record<string, YamlValue>;
  const flavors = Object.entries(flavorsNode).map(([name, config]) => ({
    name,
    details:
      config && typeof config === 'object' && !Array.isArray(config)
        ? Object.entries(config).map(([k, v]) => [k, show(v)] as [string, string])
        : [],
  }));
  const view: ModelView = { flavors, facts: [] };
  const sig = doc.signature as Record<string, YamlValue> | null | undefined;
  if (sig && typeof sig === 'object') {
    const inputs = schemaRows(sig.inputs);
    const outputs = schemaRows(sig.outputs);
    if (inputs) view.inputs = inputs;
    if (outputs) view.outputs = outputs;
    if (typeof sig.params === 'string') {
      view.params = (JSON.parse(sig.params) as Record<string, unknown>[]).map((p) => ({
        name: String(p.name),
        type: String(p.type ?? p.dtype),
        default: JSON.stringify(p.default ?? null),
        shape: p.shape === null || p.shape === undefined ? 'scalar' : `(${(p.shape as unknown[]).join(', ')})`,
      }));
    }
  }
  const info = doc.saved_input_example_info as Record<string, YamlValue> | null | undefined;
  if (info && typeof info === 'object') {
    view.inputExample = {
      path: typeof info.artifact_path === 'string' ? info.artifact_path : 'input_example.json',
      ...(typeof info.type === 'string' ? { type: info.type } : {}),
    };
    if (typeof info.serving_input_path === 'string') view.servingExample = info.serving_input_path;
  }
  for (const key of [
    'model_uuid',
    'model_id',
    'run_id',
    'artifact_path',
    'utc_time_created',
    'model_size_bytes',
    'mlflow_version',
    'labbook_version',
  ]) {
    if (doc[key] !== undefined && doc[key] !== null) view.facts.push([key, show(doc[key])]);
  }
  return view;
}
