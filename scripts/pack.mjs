#!/usr/bin/env node
// Builds and packs every public package of the workspace into one folder of .tgz files, so labbook can
// be installed into any project before it is on npm:
//
//   node scripts/pack.mjs [folder] [--no-build]      (or: pnpm pack:all [folder])
//
// `pnpm pack` (not `npm pack`) is what rewrites the `workspace:^` ranges into real versions; an npm
// packed tarball would ask the registry for `workspace:^` and fail. The folder defaults to
// dist/tarballs (git-ignored). At the end the script prints the `npm install` line for an app.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');

function usage(message) {
  process.stderr.write(`pack: ${message}\nUsage: node scripts/pack.mjs [folder] [--no-build]   (default folder: dist/tarballs)\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    'Usage: node scripts/pack.mjs [folder] [--no-build]\n\nBuilds and packs every public workspace package into folder (default dist/tarballs).\n--no-build packs the dist/ folders as they are (when they are known to be up to date).\n',
  );
  process.exit(0);
}
const unknown = args.filter((a) => a.startsWith('-') && a !== '--no-build');
if (unknown.length > 0) usage(`unknown option ${unknown.join(', ')}`);
const positional = args.filter((a) => !a.startsWith('-'));
if (positional.length > 1) usage(`one folder expected, got ${positional.join(', ')}`);
// pnpm runs scripts from the repository root; INIT_CWD keeps a relative folder relative to where the user was.
const dest = resolve(process.env.INIT_CWD ?? process.cwd(), positional[0] ?? join(repo, 'dist', 'tarballs'));
const build = !args.includes('--no-build');

/**
 * The pnpm to run, as [command, ...leading args]: the one running this script (pnpm sets
 * npm_execpath), else one on PATH, else the repository's pinned version through npx, so the script
 * works for someone who has only Node and npm, as the README's set-up lines do.
 */
function findPnpm() {
  const exec = process.env.npm_execpath;
  if (exec && /pnpm/i.test(basename(exec))) return /\.c?js$/.test(exec) ? [process.execPath, exec] : [exec];
  if (spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0) return ['pnpm'];
  const pinned = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).packageManager ?? 'pnpm';
  return ['npx', '--yes', pinned];
}
const [pnpmCmd, ...pnpmArgs] = findPnpm();
const pnpm = (argv, options = {}) => run(pnpmCmd, [...pnpmArgs, ...argv], { maxBuffer: 64 * 1024 * 1024, ...options });

const workspace = JSON.parse((await pnpm(['ls', '-r', '--json', '--depth', '-1'], { cwd: repo })).stdout);
const packages = workspace
  .filter((p) => !p.private && p.name && p.path !== repo)
  .map((p) => ({ ...p, manifest: JSON.parse(readFileSync(join(p.path, 'package.json'), 'utf8')) }))
  .sort((a, b) => a.name.localeCompare(b.name));
if (packages.length === 0) usage(`no public packages found in ${repo}`);

if (build) {
  process.stderr.write(`pack: building ${packages.length} packages…\n`);
  const filters = packages.map((p) => `--filter=${p.name}`);
  try {
    execFileSync(pnpmCmd, [...pnpmArgs, 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only', ...filters], {
      cwd: repo,
      stdio: 'inherit',
    });
  } catch {
    usage('the build failed (see above); fix it, or pack what is already built with --no-build');
  }
}

// A tarball of an older version left in the folder would be installed beside the new one by `*.tgz`.
mkdirSync(dest, { recursive: true });
const prefixes = packages.map((p) => p.name.replace(/^@/, '').replace('/', '-'));
for (const file of readdirSync(dest)) {
  if (prefixes.some((prefix) => new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+\\.\\d+\\.\\d+[^/]*\\.tgz$`).test(file)))
    rmSync(join(dest, file));
}

const packed = await Promise.all(
  packages.map(async (p) => {
    const { stdout } = await pnpm(['pack', '--json', '--pack-destination', dest], { cwd: p.path }).catch((error) => {
      usage(`pnpm pack failed in ${relative(repo, p.path)}: ${error.stderr || error.message}`);
    });
    // Lifecycle output may precede the JSON; the result is the last top-level object.
    const json = JSON.parse(stdout.slice(stdout.indexOf('{')));
    return { name: p.name, manifest: p.manifest, file: resolve(dest, json.filename) };
  }),
);
const byName = new Map(packed.map((p) => [p.name, p]));

/** labbook plus every workspace package it needs at run time, the set an app installs together. */
function closure(name, seen = new Set()) {
  if (seen.has(name) || !byName.has(name)) return seen;
  seen.add(name);
  const { dependencies = {}, peerDependencies = {} } = byName.get(name).manifest;
  for (const dep of Object.keys({ ...dependencies, ...peerDependencies })) closure(dep, seen);
  return seen;
}
const base = [...closure('labbook')];
const extras = packed.filter((p) => !base.includes(p.name));

// Absolute paths: the line is pasted in the app's folder, not here.
process.stdout.write(`Packed ${packed.length} packages into ${dest}:\n`);
for (const p of packed) process.stdout.write(`  ${basename(p.file)}  (${p.name})\n`);
process.stdout.write(
  `\nInstall labbook into an app (in the app's folder; install these tarballs together, in one command):\n  npm install ${base.map((n) => byName.get(n).file).join(' ')}\n`,
);
const plugin = extras.find((p) => p.name === '@labbook/plugin-mysql') ?? extras[0];
if (plugin) {
  // With the workspace packages it needs beyond the app's (the SQL plugins share @labbook/sql).
  const files = [...closure(plugin.name)].filter((n) => !base.includes(n)).map((n) => byName.get(n).file);
  process.stdout.write(`A backend plugin is one more tarball (with what it needs), e.g.:\n  npm install ${files.join(' ')}\n`);
}
