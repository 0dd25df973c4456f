// Repository rules that must be tests, not conventions (style.md §3, §7): plugins take core as a
// peer, core carries no heavy SDK and imports no plugin, and src never throws a bare Error.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, Record<string, string> | undefined>;
const dirs = (parent: string) =>
  existsSync(join(root, parent))
    ? readdirSync(join(root, parent))
        .filter((d) => existsSync(join(root, parent, d, 'package.json')))
        .map((d) => join(parent, d))
    : [];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

describe('package boundaries', () => {
  const plugins = [...dirs('plugins'), ...dirs('examples').filter((d) => d.includes('plugin'))];

  it('finds the plugins', () => {
    expect(plugins.length).toBeGreaterThan(0);
  });

  it.each(plugins)('%s takes @labbook/core as a peer dependency and announces its schemes', (dir) => {
    const pkg = readJson(join(root, dir, 'package.json'));
    expect(pkg.peerDependencies?.['@labbook/core']).toBeDefined();
    expect(pkg.dependencies?.['@labbook/core']).toBeUndefined();
    const field = pkg.labbook as unknown as { plugin?: string } | undefined;
    expect(typeof field?.plugin).toBe('string');
  });

  const published = [...dirs('packages'), ...dirs('plugins')].filter((d) => readJson(join(root, d, 'package.json')).private === undefined);

  it.each(published)('%s ships the license it declares (npm packs LICENSE whatever `files` says)', (dir) => {
    expect(readJson(join(root, dir, 'package.json')).license).toBe('Apache-2.0');
    expect(readFileSync(join(root, dir, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  it('core has no heavy SDK in any dependency field', () => {
    const pkg = readJson(join(root, 'packages/core/package.json'));
    const all = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies };
    const heavy = Object.keys(all).filter((n) => /^(@aws-sdk\/|@azure\/|ssh2|mysql2)/.test(n));
    expect(heavy).toEqual([]);
    // yaml for MLmodel/meta files; pngjs and jpeg-js (small, pure JS) decode and encode logImage's
    // images without a native library. Anything else belongs in a plugin.
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(['jpeg-js', 'pngjs', 'yaml']);
  });

  it('no file in core imports a plugin', () => {
    const offenders = sourceFiles(join(root, 'packages/core/src')).filter((f) =>
      /from\s+['"](@labbook\/plugin-|labbook-plugin-)|import\(\s*['"](@labbook\/plugin-|labbook-plugin-)/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('no src file throws a bare Error (errors carry MLflow codes)', () => {
    // The testkit is exempt: its failures are test assertions, not errors users handle.
    const srcDirs = [...dirs('packages'), ...dirs('plugins'), ...dirs('examples')]
      .filter((d) => d !== join('packages', 'testkit'))
      .map((d) => join(root, d, 'src'));
    const offenders = srcDirs
      .flatMap(sourceFiles)
      .filter((f) => /throw new (Error|TypeError|RangeError)\(/.test(readFileSync(f, 'utf8')))
      .map((f) => f.slice(root.length + 1));
    expect(offenders).toEqual([]);
  });
});
