import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { invalidParameter } from '../errors.js';
import { isFileUri, localPathFromUri } from '../uri/local-path.js';
import { parseCommandTemplate, renderCommandTemplate } from './command-template.js';
import { resolveInside } from './project-paths.js';
import type { EntryPointSpec, ProjectParameterType } from './project-spec.js';
import { shellQuote } from './shell-quote.js';

/** One parameter value after validation, as it goes into the command. */
export interface ResolvedParameter {
  name: string;
  type: ProjectParameterType;
  /** The value unquoted: a `path` inside the project is absolute here. */
  value: string;
  /** False for a parameter the entry point does not declare (appended as `--name value`). */
  declared: boolean;
  /** For a `path` inside the project: its path relative to the project folder, so a backend can rebase it. */
  projectRelative?: string;
}

/** An entry point with its parameters checked and its command rendered. */
export interface ProjectInvocation {
  entryPoint: EntryPointSpec;
  /** Declared parameters first (in declaration order), then the extra ones in the order given. */
  parameters: ResolvedParameter[];
  /** The params logged to the run: the shell-quoted strings of the command, as MLflow logs them. */
  loggedParams: { key: string; value: string }[];
  /** The command for running in the project folder itself. */
  command: string;
  /**
   * The same command for a copy of the project at `projectDir` (a container's `/mlflow/projects/code`):
   * `path` parameters inside the project are rebased onto it.
   */
  renderFor(projectDir: string): string;
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$/i;
const INT = /^[+-]?\d+$/;
// A scheme of two letters or more: `C:\data` is a Windows path, not a URI.
const URI = /^[A-Za-z][A-Za-z0-9+.-]+:/;

function checkValue(ep: EntryPointSpec, name: string, type: ProjectParameterType, value: string, projectDir: string): ResolvedParameter {
  const where = `parameter '${name}' of entry point '${ep.name}'`;
  const field = `parameters.${name}`;
  const bad = (expected: string) =>
    invalidParameter(`Invalid value '${value}' for ${where}: expected ${expected}. Pass a valid value with -P ${name}=…`, { field });
  const p: ResolvedParameter = { name, type, value, declared: true };
  if (type === 'float' && !FLOAT.test(value.trim())) throw bad('a float (e.g. 0.01)');
  if (type === 'int' && !INT.test(value.trim())) throw bad('an int (e.g. 10)');
  if (type === 'uri' && !URI.test(value)) throw bad('a URI with a scheme (e.g. s3://bucket/data or file:///tmp/data)');
  if (type === 'path') {
    // A remote URI is passed through as given; MLflow would download it first (not done here).
    if (URI.test(value) && !isFileUri(value)) return p;
    // `file:data` is relative to the project, as a bare `data` is.
    const local = isFileUri(value) ? localPathFromUri(value, { field, base: projectDir }) : value;
    const inside = resolveInside(projectDir, local);
    if (!inside) {
      throw invalidParameter(
        `Invalid value '${value}' for ${where}: the path is outside the project folder ${projectDir}. Put the file inside the project and pass a path relative to it.`,
        { field },
      );
    }
    if (!existsSync(inside)) {
      throw invalidParameter(`Got value ${value} for ${where}, but no such file or directory was found in the project ${projectDir}.`, {
        field,
      });
    }
    p.value = inside;
    p.projectRelative = relative(resolveInside(projectDir, '.') ?? projectDir, inside);
  }
  return p;
}

/**
 * Validates user parameters against an entry point and renders its command as MLflow does: defaults
 * filled in, required ones checked, typed values checked (`float`, `int`, `uri`, `path` — `path`
 * must exist inside the project), every value shell-quoted, undeclared ones appended as
 * `--key value`. Fails with INVALID_PARAMETER_VALUE naming `parameters.<name>`; nothing has run yet.
 */
export function resolveInvocation(ep: EntryPointSpec, given: Readonly<Record<string, string>>, projectDir: string): ProjectInvocation {
  const missing = ep.parameters.filter((p) => given[p.name] === undefined && p.default === undefined).map((p) => p.name);
  if (missing.length > 0) {
    throw invalidParameter(
      `No value given for missing parameters: ${missing.map((m) => `'${m}'`).join(', ')} of entry point '${ep.name}'. Pass ${missing.map((m) => `-P ${m}=…`).join(' ')}.`,
      { field: `parameters.${missing[0]}` },
    );
  }
  const parameters: ResolvedParameter[] = ep.parameters.map((p) => checkValue(ep, p.name, p.type, given[p.name] ?? p.default!, projectDir));
  const declared = new Set(ep.parameters.map((p) => p.name));
  for (const [name, value] of Object.entries(given)) {
    if (!declared.has(name)) parameters.push({ name, type: 'string', value, declared: false });
  }
  const template = parseCommandTemplate(ep.command, `entry_points.${ep.name}.command`);
  const renderFor = (dir: string | undefined) => {
    const quoted: Record<string, string> = {};
    for (const p of parameters)
      quoted[p.name] = shellQuote(dir !== undefined && p.projectRelative !== undefined ? join(dir, p.projectRelative) : p.value);
    const extras = parameters.filter((p) => !p.declared).map((p) => ` --${p.name} ${quoted[p.name]}`);
    return renderCommandTemplate(template, quoted) + extras.join('');
  };
  return {
    entryPoint: ep,
    parameters,
    loggedParams: parameters.map((p) => ({ key: p.name, value: shellQuote(p.value) })),
    command: renderFor(undefined),
    renderFor,
  };
}
