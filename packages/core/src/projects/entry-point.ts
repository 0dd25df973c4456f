import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { invalidParameter } from '../errors.js';
import { resolveInside } from './project-paths.js';
import type { EntryPointSpec, ProjectSpec } from './project-spec.js';
import { shellQuote } from './shell-quote.js';

/**
 * How a script entry point runs when it is not declared in the MLproject file: MLflow runs `.py`
 * with `python` and `.sh` with `$SHELL`; labbook adds the JavaScript and TypeScript files.
 * `.ts` needs `tsx` installed in the project (npx will not download it behind your back).
 */
const SCRIPT_RUNNERS: Readonly<Record<string, (file: string) => string>> = {
  '.mjs': (f) => `node ${f}`,
  '.cjs': (f) => `node ${f}`,
  '.js': (f) => `node ${f}`,
  '.ts': (f) => `npx --no-install tsx ${f}`,
  '.mts': (f) => `npx --no-install tsx ${f}`,
  '.sh': (f) => `${process.env.SHELL || 'bash'} ${f}`,
  '.py': (f) => `python ${f}`,
};

/** The file extensions that can be run as entry points without an MLproject declaration. */
export const SCRIPT_EXTENSIONS: readonly string[] = Object.keys(SCRIPT_RUNNERS);

/**
 * The entry point `name` of a project: a declared one, or a script file of the project run as MLflow
 * runs an undeclared `.py`/`.sh` (all parameters are then appended as `--key value`).
 */
export function resolveEntryPoint(spec: ProjectSpec, name: string): EntryPointSpec {
  const declared = spec.entryPoints[name];
  if (declared) return declared;
  const runner = SCRIPT_RUNNERS[extname(name).toLowerCase()];
  const path = runner ? resolveInside(spec.dir, name) : undefined;
  if (runner && path && existsSync(path) && statSync(path).isFile()) {
    return { name, parameters: [], command: runner(shellQuote(name)).replace(/[{}]/g, (b) => b + b) };
  }
  const known = Object.keys(spec.entryPoints);
  throw invalidParameter(
    `Could not find ${name} among entry points [${known.join(', ')}] or interpret ${name} as a runnable script` +
      ` (supported script file extensions: ${SCRIPT_EXTENSIONS.join(', ')}). Pass -e with one of the entry points of ${spec.file ?? spec.dir}, or the path of a script in the project.`,
    { field: 'entry_point' },
  );
}
