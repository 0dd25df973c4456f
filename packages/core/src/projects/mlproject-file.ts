import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from 'yaml';
import { invalidParameter, type LabbookError } from '../errors.js';
import { parseCommandTemplate, templatePlaceholders } from './command-template.js';
import type {
  DockerEnvSpec,
  EntryPointSpec,
  NodeEnvSpec,
  ProjectParameterSpec,
  ProjectParameterType,
  ProjectSpec,
} from './project-spec.js';

const PARAMETER_TYPES: readonly ProjectParameterType[] = ['string', 'float', 'int', 'path', 'uri'];
const ENV_FIELDS = ['python_env', 'conda_env', 'docker_env'] as const;

/** The MLproject file of a folder: MLflow accepts any letter case of the name. */
export function findMLprojectFile(dir: string): string | undefined {
  const name = readdirSync(dir).find((f) => f.toLowerCase() === 'mlproject');
  return name ? join(dir, name) : undefined;
}

// Python's str() of a YAML scalar, which is what MLflow substitutes: `1.0` stays `1.0`, `true` is `True`.
function pythonText(node: Node): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    const src = node.source;
    return typeof src === 'string' && /^-?\d+(\.\d+)?$/.test(src) ? src : String(v);
  }
  return String(v);
}

function fail(file: string, field: string, message: string): LabbookError {
  return invalidParameter(`Invalid MLproject file ${file}: ${field}: ${message}`, { field });
}

function parseParameter(file: string, epName: string, name: string, node: Node | null): ProjectParameterSpec {
  const field = `entry_points.${epName}.parameters.${name}`;
  let type: unknown = 'string';
  let def: string | undefined;
  if (isScalar(node)) {
    type = node.value;
  } else if (isMap(node)) {
    const t = node.get('type', true) as Node | undefined;
    if (t !== undefined) type = isScalar(t) ? t.value : undefined;
    const d = node.get('default', true) as Node | undefined;
    if (d !== undefined) {
      if (!isScalar(d)) throw fail(file, `${field}.default`, 'a default must be a single value (string or number)');
      def = pythonText(d);
    }
  } else if (node !== null) {
    throw fail(file, field, 'expected a type name (`path`) or a mapping ({type: float, default: 0.5})');
  }
  if (typeof type !== 'string' || !PARAMETER_TYPES.includes(type as ProjectParameterType)) {
    throw fail(file, `${field}.type`, `unknown parameter type '${String(type)}'; use one of ${PARAMETER_TYPES.join(', ')}`);
  }
  return { name, type: type as ProjectParameterType, ...(def !== undefined ? { default: def } : {}) };
}

function parseEntryPoint(file: string, name: string, node: Node | null): EntryPointSpec {
  const field = `entry_points.${name}`;
  if (!isMap(node)) throw fail(file, field, 'an entry point must be a mapping with a `command`');
  const command = node.get('command', true) as Node | undefined;
  if (!isScalar(command) || typeof command.value !== 'string' || command.value.trim() === '') {
    throw fail(file, `${field}.command`, 'a command string is required');
  }
  const parameters: ProjectParameterSpec[] = [];
  const params = node.get('parameters', true) as Node | undefined;
  if (params !== undefined && params !== null && !(isScalar(params) && params.value === null)) {
    if (!isMap(params)) throw fail(file, `${field}.parameters`, 'expected a mapping of parameter names');
    for (const pair of params.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      parameters.push(parseParameter(file, name, key, pair.value as Node | null));
    }
  }
  const template = parseCommandTemplate(command.value, `${field}.command`);
  const declared = new Set(parameters.map((p) => p.name));
  const undeclared = templatePlaceholders(template).filter((p) => !declared.has(p));
  if (undeclared.length > 0) {
    throw fail(file, `${field}.command`, `uses {${undeclared.join('}, {')}} but declares no such parameter; add it under parameters`);
  }
  return { name, parameters, command: command.value };
}

function parseDockerEnv(file: string, node: Node | null): DockerEnvSpec {
  if (!isMap(node)) throw fail(file, 'docker_env', 'expected a mapping with an `image`');
  const image = node.get('image');
  if (typeof image !== 'string' || image === '') throw fail(file, 'docker_env.image', 'an image name is required');
  const volumes = node.get('volumes', true) as Node | undefined;
  const environment = node.get('environment', true) as Node | undefined;
  const spec: DockerEnvSpec = { image, volumes: [], environment: [] };
  if (volumes !== undefined) {
    if (!isSeq(volumes)) throw fail(file, 'docker_env.volumes', 'expected a list of host:container strings');
    spec.volumes = volumes.items.map((v) => String(isScalar(v) ? v.value : v));
  }
  if (environment !== undefined) {
    if (!isSeq(environment)) throw fail(file, 'docker_env.environment', 'expected a list of NAME or [NAME, value]');
    for (const item of environment.items) {
      if (isScalar(item)) spec.environment.push(String(item.value));
      else if (isSeq(item) && item.items.length === 2) {
        const [k, v] = item.toJSON() as unknown[];
        spec.environment.push([String(k), String(v)]);
      } else throw fail(file, 'docker_env.environment', 'each entry must be NAME or [NAME, value]');
    }
  }
  return spec;
}

/** Reads `node_env`: inline mapping, or the path of a YAML file holding one. */
function parseNodeEnv(file: string, dir: string, node: Node | null): NodeEnvSpec {
  let map: YAMLMap | undefined;
  let where = file;
  if (isScalar(node) && typeof node.value === 'string') {
    where = join(dir, node.value);
    if (!existsSync(where)) throw fail(file, 'node_env', `the file ${node.value} does not exist in the project`);
    const doc = parseDocument(readFileSync(where, 'utf8'));
    if (doc.errors.length > 0) throw fail(where, 'node_env', doc.errors[0]!.message);
    map = isMap(doc.contents) ? doc.contents : undefined;
  } else if (isMap(node)) map = node;
  if (!map) throw fail(where, 'node_env', 'expected a mapping {node: ">=20", install: npm|pnpm|none}');
  const spec: NodeEnvSpec = {};
  const version = map.get('node');
  if (version !== undefined) {
    if (typeof version !== 'string' && typeof version !== 'number')
      throw fail(where, 'node_env.node', 'expected a version range such as ">=20"');
    spec.node = String(version);
  }
  const install = map.get('install');
  if (install === 'npm' || install === 'pnpm') spec.install = install;
  else if (install !== undefined && install !== null && install !== false && install !== 'none') {
    throw fail(where, 'node_env.install', `expected npm, pnpm or none, got '${String(install)}'`);
  }
  return spec;
}

/**
 * Reads the MLproject file of `dir` as MLflow does (name, entry points with typed parameters, one of
 * python_env/conda_env/docker_env), plus labbook's `node_env`. A folder without one is a project
 * with no declared entry points. YAML and schema errors are INVALID_PARAMETER_VALUE errors naming
 * the field (and for YAML errors, the line).
 */
export function loadProjectSpec(dir: string): ProjectSpec {
  const file = findMLprojectFile(dir);
  if (!file) return { dir, entryPoints: {}, ...defaultEnvFiles(dir) };
  const doc = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    throw invalidParameter(
      `Invalid MLproject file ${file}${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${e.message.split('\n')[0]}. Fix the YAML and run again.`,
      { field: 'MLproject' },
    );
  }
  const root = doc.contents;
  if (root === null) return { dir, file, entryPoints: {}, ...defaultEnvFiles(dir) };
  if (!isMap(root)) throw fail(file, 'MLproject', 'the file must be a YAML mapping (name, entry_points, …)');
  const present = ENV_FIELDS.filter((f) => root.has(f));
  if (present.length > 1)
    throw fail(
      file,
      present.join(', '),
      'Project cannot contain multiple environment fields; keep one of python_env, conda_env, docker_env',
    );
  const spec: ProjectSpec = { dir, file, entryPoints: {} };
  const name = root.get('name');
  if (name !== undefined && name !== null) spec.name = String(name);
  const eps = root.get('entry_points', true) as Node | undefined;
  if (eps !== undefined && eps !== null) {
    if (!isMap(eps)) throw fail(file, 'entry_points', 'expected a mapping of entry point names');
    for (const pair of eps.items) {
      const epName = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      spec.entryPoints[epName] = parseEntryPoint(file, epName, pair.value as Node | null);
    }
  }
  for (const f of ['python_env', 'conda_env'] as const) {
    const value = root.get(f);
    if (value === undefined) continue;
    if (typeof value !== 'string') throw fail(file, f, 'expected the path of a YAML file in the project');
    if (!existsSync(join(dir, value))) throw fail(file, f, `the file ${value} does not exist in the project`);
    if (f === 'python_env') spec.pythonEnv = value;
    else spec.condaEnv = value;
  }
  if (root.has('docker_env')) spec.dockerEnv = parseDockerEnv(file, root.get('docker_env', true) as Node | null);
  if (root.has('node_env')) spec.nodeEnv = parseNodeEnv(file, dir, root.get('node_env', true) as Node | null);
  if (!present.length) Object.assign(spec, defaultEnvFiles(dir));
  return spec;
}

// MLflow's fallback when no environment field is given: python_env.yaml, else conda.yaml.
function defaultEnvFiles(dir: string): Pick<ProjectSpec, 'pythonEnv' | 'condaEnv'> {
  if (isFile(join(dir, 'python_env.yaml'))) return { pythonEnv: 'python_env.yaml' };
  if (isFile(join(dir, 'conda.yaml'))) return { condaEnv: 'conda.yaml' };
  return {};
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
