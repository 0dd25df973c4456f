import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { internalError } from '../errors.js';
import { type PluginManifest, manifestFromPackageJson } from './manifest.js';

/** Where a discovery looked and what it found, including packages that could not be read. */
export interface DiscoveryResult {
  manifests: PluginManifest[];
  errors: { packageName: string; error: unknown }[];
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The nearest folder at or above `start` that holds a package.json. */
export function findPackageRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Finds the package folder of a dependency as Node would from `fromDir`: walking up `node_modules`
 * folders. (`require.resolve('x/package.json')` fails for packages whose `exports` hide it.)
 */
function locatePackage(name: string, fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function dependencyNames(pkg: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = pkg[field];
    if (deps && typeof deps === 'object') for (const name of Object.keys(deps)) names.add(name);
  }
  return [...names];
}

// Packages whose own dependencies are searched too: the umbrella `labbook` package brings the file
// plugin, and first-party packages may bring others. Third-party plugins are found as direct deps.
function searchesDependencies(name: string): boolean {
  return name === 'labbook' || name.startsWith('@labbook/');
}

/**
 * Finds installed plugins the way oclif finds its plugins: from the application's declared
 * dependencies (and those of the `labbook` packages it depends on), reading each package's
 * `labbook` field without importing its code. Packages that cannot be read are collected as errors.
 *
 * @param roots - folders whose package.json declares the dependencies to look at
 */
export function discoverPlugins(roots: string[]): DiscoveryResult {
  const manifests = new Map<string, PluginManifest>();
  const errors: DiscoveryResult['errors'] = [];
  const visited = new Set<string>();
  const queue = roots.map((r) => resolve(r));
  while (queue.length > 0) {
    const dir = queue.shift()!;
    if (visited.has(dir)) continue;
    visited.add(dir);
    const pkg = readJson(join(dir, 'package.json'));
    if (!pkg) continue;
    const own = manifestFromPackageJson(pkg, dir);
    if (own && !manifests.has(own.packageName)) manifests.set(own.packageName, own);
    for (const name of dependencyNames(pkg)) {
      const found = locatePackage(name, dir);
      if (!found) continue;
      const depPkg = readJson(join(found, 'package.json'));
      if (!depPkg) {
        errors.push({ packageName: name, error: internalError(`unreadable package.json in ${found}`) });
        continue;
      }
      const manifest = manifestFromPackageJson(depPkg, found);
      if (manifest && !manifests.has(manifest.packageName)) manifests.set(manifest.packageName, manifest);
      if (searchesDependencies(name) && !visited.has(found)) queue.push(found);
    }
  }
  return { manifests: [...manifests.values()], errors };
}
