import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabbookError } from '../errors.js';
import { resolveEntryPoint } from './entry-point.js';
import { loadProjectSpec } from './mlproject-file.js';
import { satisfiesNodeRange } from './node-version.js';
import { resolveInvocation } from './parameters.js';
import { parseProjectUri } from './project-source.js';
import { shellQuote } from './shell-quote.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(mlproject: string | undefined, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-mlproject-'));
  dirs.push(dir);
  if (mlproject !== undefined) writeFileSync(join(dir, 'MLproject'), mlproject);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

function errorOf(fn: () => unknown): LabbookError {
  try {
    fn();
  } catch (e) {
    if (LabbookError.is(e)) return e;
    throw e;
  }
  throw new Error('expected a LabbookError');
}

describe('shellQuote (Python shlex.quote)', () => {
  it.each([
    ['', "''"],
    ['abc', 'abc'],
    ['a/b.c-d_e@f%g+h=i:j,k', 'a/b.c-d_e@f%g+h=i:j,k'],
    ['a b', "'a b'"],
    ["it's", `'it'"'"'s'`],
    ['$HOME', "'$HOME'"],
  ])('%j → %s', (input, quoted) => expect(shellQuote(input)).toBe(quoted));
});

describe('MLproject files', () => {
  it('reads typed parameters, shorthand types and Python-style defaults', () => {
    const dir = project(
      'name: demo\nentry_points:\n  main:\n    parameters:\n      alpha: {type: float, default: 1.0}\n      n: {type: int, default: 3}\n      flag: {default: true}\n      data: path\n    command: "python train.py --alpha {alpha} --n {n} {flag} --data {data}"\n',
      { 'd.csv': 'x' },
    );
    const spec = loadProjectSpec(dir);
    expect(spec.name).toBe('demo');
    expect(spec.entryPoints.main!.parameters).toEqual([
      { name: 'alpha', type: 'float', default: '1.0' },
      { name: 'n', type: 'int', default: '3' },
      { name: 'flag', type: 'string', default: 'True' },
      { name: 'data', type: 'path' },
    ]);
    const inv = resolveInvocation(spec.entryPoints.main!, { data: 'd.csv', extra: 'two words' }, dir);
    expect(inv.command).toBe(`python train.py --alpha 1.0 --n 3 True --data ${join(dir, 'd.csv')} --extra 'two words'`);
    expect(inv.renderFor('/mlflow/projects/code')).toContain('--data /mlflow/projects/code/d.csv');
    expect(inv.loggedParams.map((p) => p.key)).toEqual(['alpha', 'n', 'flag', 'data', 'extra']);
  });

  it('keeps doubled braces literal and rejects placeholders that are not parameters', () => {
    const dir = project('entry_points:\n  main:\n    command: "echo {{literal}}"\n');
    expect(resolveInvocation(loadProjectSpec(dir).entryPoints.main!, {}, dir).command).toBe('echo {literal}');
    const bad = project('entry_points:\n  main:\n    command: "echo {nope}"\n');
    expect(errorOf(() => loadProjectSpec(bad)).field).toBe('entry_points.main.command');
  });

  it('accepts any letter case of the file name and reads docker_env and node_env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-mlproject-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'mlProject'),
      'docker_env:\n  image: node:20\n  volumes: ["/a:/b"]\n  environment: [HOME, [K, v]]\nnode_env: {node: ">=20", install: pnpm}\nentry_points: {}\n',
    );
    const spec = loadProjectSpec(dir);
    expect(spec.dockerEnv).toEqual({ image: 'node:20', volumes: ['/a:/b'], environment: ['HOME', ['K', 'v']] });
    expect(spec.nodeEnv).toEqual({ node: '>=20', install: 'pnpm' });
  });

  it('reports YAML errors with the line, and schema errors naming the field', () => {
    const yaml = errorOf(() => loadProjectSpec(project('entry_points:\n  main: [\n')));
    expect(yaml.code).toBe('INVALID_PARAMETER_VALUE');
    expect(yaml.field).toBe('MLproject');
    expect(yaml.message).toMatch(/line \d+/);
    expect(
      errorOf(() => loadProjectSpec(project('entry_points:\n  main:\n    parameters:\n      x: {type: double}\n    command: "x"\n'))).field,
    ).toBe('entry_points.main.parameters.x.type');
    expect(errorOf(() => loadProjectSpec(project('docker_env: {image: a}\nconda_env: c.yaml\n'))).message).toContain(
      'multiple environment fields',
    );
    expect(errorOf(() => loadProjectSpec(project('node_env: {install: yarn}\n'))).field).toBe('node_env.install');
  });

  it('runs undeclared .mjs/.sh scripts and lists entry points for unknown names', () => {
    const dir = project(undefined, { 'train.mjs': '', 'run.sh': '' });
    const spec = loadProjectSpec(dir);
    expect(resolveInvocation(resolveEntryPoint(spec, 'train.mjs'), { a: '1' }, dir).command).toBe('node train.mjs --a 1');
    expect(resolveEntryPoint(spec, 'run.sh').command).toMatch(/ run\.sh$/);
    const unknown = errorOf(() => resolveEntryPoint(spec, 'nope.mjs'));
    expect(unknown.field).toBe('entry_point');
    expect(errorOf(() => resolveEntryPoint(spec, '../outside.mjs')).field).toBe('entry_point');
  });
});

describe('project URIs', () => {
  it('splits #subdirectory and refuses . in it as MLflow does', () => {
    expect(parseProjectUri('https://github.com/a/b#sub/dir')).toEqual({ base: 'https://github.com/a/b', subdirectory: 'sub/dir' });
    expect(errorOf(() => parseProjectUri('x#../up')).field).toBe('uri');
  });
});

describe('node version ranges', () => {
  it.each([
    ['v20.11.1', '>=20', true],
    ['v18.19.0', '>=20', false],
    ['v20.11.1', '^20.11 || ^22', true],
    ['v21.0.0', '^20.11 || ^22', false],
    ['v22.3.0', '20.x || 22.x', true],
    ['v20.1.0', '>=18 <21', true],
    ['v21.1.0', '>=18 <21', false],
    ['v20.1.0', '~20.1', true],
    ['v20.2.0', '~20.1', false],
  ])('%s satisfies %s: %s', (version, range, ok) => expect(satisfiesNodeRange(version, range)).toBe(ok));
  it('says when it cannot read a range', () => expect(satisfiesNodeRange('v20.0.0', 'latest')).toBeUndefined());
});
