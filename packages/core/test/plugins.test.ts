import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { definePlugin, discoverPlugins, LabbookError, PLUGIN_API_VERSION, PluginRegistry, parseScheme, redactUri } from '../src/index.js';

describe('parseScheme', () => {
  it.each([
    ['./mlruns', 'file'],
    ['/abs/mlruns', 'file'],
    ['C:\\runs', 'file'],
    ['file:///tmp/x', 'file'],
    ['mysql://u:p@h/db', 'mysql'],
    ['mysql+pymysql://u@h/db', 'mysql'],
    ['MYSQL+mysqldb://h/db', 'mysql'],
    ['s3://bucket/prefix', 's3'],
    ['memory://x', 'memory'],
    ['mlflow-artifacts:/x', 'mlflow-artifacts'],
  ])('%s → %s', (uri, scheme) => {
    expect(parseScheme(uri)).toBe(scheme);
  });

  it('refuses two drivers and empty URIs', () => {
    expect(() => parseScheme('mysql+a+b://h')).toThrow(/at most one '\+driver'/);
    expect(() => parseScheme('')).toThrow(/non-empty/);
  });

  it('redacts passwords', () => {
    expect(redactUri('mysql://root:secret@127.0.0.1/db')).toBe('mysql://root:***@127.0.0.1/db');
  });
});

const root = mkdtempSync(join(tmpdir(), 'labbook-plugins-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writePackage(dir: string, pkg: Record<string, unknown>, files: Record<string, string> = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

function makeApp(name: string) {
  const app = join(root, name);
  const coreUrl = new URL('../src/index.ts', import.meta.url).href;
  writePackage(app, { name: 'app', dependencies: { 'labbook-plugin-echo': '1.0.0', 'left-pad': '1.0.0', labbook: '1.0.0' } });
  writePackage(join(app, 'node_modules', 'left-pad'), { name: 'left-pad', version: '1.0.0' });
  // A third-party plugin, found by its package.json `labbook` field.
  writePackage(
    join(app, 'node_modules', 'labbook-plugin-echo'),
    { name: 'labbook-plugin-echo', version: '1.2.3', labbook: { plugin: './plugin.mjs', tracking: ['echo'], registry: [], artifacts: [] } },
    {
      'plugin.mjs': `globalThis.__echoLoads = (globalThis.__echoLoads ?? 0) + 1;
export default { name: 'labbook-plugin-echo', apiVersion: ${PLUGIN_API_VERSION}, trackingStores: { echo: (uri) => ({ uri }) } };`,
    },
  );
  // The umbrella package brings a plugin of its own, found through its dependencies.
  writePackage(join(app, 'node_modules', 'labbook'), { name: 'labbook', version: '1.0.0', dependencies: { '@labbook/plugin-deep': '1.0.0' } });
  writePackage(
    join(app, 'node_modules', '@labbook', 'plugin-deep'),
    { name: '@labbook/plugin-deep', version: '1.0.0', labbook: { plugin: './p.mjs', tracking: [], registry: [], artifacts: ['deep'] } },
    { 'p.mjs': `export default { name: '@labbook/plugin-deep', apiVersion: 1, artifactRepositories: { deep: (uri) => ({ rootUri: uri }) } };` },
  );
  // A broken plugin: announced, but its module throws.
  writePackage(
    join(app, 'node_modules', 'labbook-plugin-broken'),
    { name: 'labbook-plugin-broken', version: '0.0.1', labbook: { plugin: './nope.mjs', tracking: ['broken'] } },
    { 'nope.mjs': `throw new Error('boom at import');` },
  );
  void coreUrl;
  return app;
}

describe('discovery', () => {
  it('reads manifests of dependencies without importing them, including the labbook umbrella deps', () => {
    const app = makeApp('discover');
    const found = discoverPlugins([app]);
    const names = found.manifests.map((m) => m.packageName).sort();
    expect(names).toEqual(['@labbook/plugin-deep', 'labbook-plugin-echo']);
    expect(found.manifests.find((m) => m.packageName === 'labbook-plugin-echo')).toMatchObject({ tracking: ['echo'], version: '1.2.3' });
    expect((globalThis as Record<string, unknown>).__echoLoads).toBeUndefined();
  });

  it('imports a plugin lazily, once, on first use of its scheme', async () => {
    const app = makeApp('lazy');
    const registry = new PluginRegistry({ roots: [app] });
    expect(registry.knownSchemes('tracking')).toEqual(['echo']);
    expect((globalThis as Record<string, unknown>).__echoLoads).toBeUndefined();
    const a = (await registry.trackingStore('echo://one')) as unknown as { uri: string };
    const b = (await registry.trackingStore('echo://two')) as unknown as { uri: string };
    expect(a.uri).toBe('echo://one');
    expect(b.uri).toBe('echo://two');
    expect((globalThis as Record<string, unknown>).__echoLoads).toBe(1);
    const repo = await registry.artifactRepository('deep://x');
    expect(repo.rootUri).toBe('deep://x');
    expect(registry.list().find((p) => p.name === 'labbook-plugin-echo')).toMatchObject({ source: 'installed', loaded: true });
  });

  it('names the scheme, the known schemes and the package to install for an unknown scheme', async () => {
    const registry = new PluginRegistry({ roots: [makeApp('unknown')] });
    const error = await registry.trackingStore('postgres://h/db').catch((e) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toContain("Unsupported URI scheme 'postgres'");
    expect(error.message).toContain('Known schemes: echo');
    expect(error.message).toContain('@labbook/plugin-postgres');
    expect(error.message).toContain('Make sure');
  });

  it('reports a plugin that fails to load with its package name, and lists it with the error', async () => {
    const app = makeApp('broken');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', dependencies: { 'labbook-plugin-broken': '0.0.1' } }));
    const registry = new PluginRegistry({ roots: [app] });
    const error = await registry.trackingStore('broken://x').catch((e) => e);
    expect(error.message).toContain('could not load plugin labbook-plugin-broken');
    expect(error.message).toContain('boom at import');
    expect(registry.list().find((p) => p.name === 'labbook-plugin-broken')?.loadError).toContain('boom at import');
  });

  it('prefers plugins registered in code and refuses plugins for a newer API', async () => {
    const registry = new PluginRegistry({ roots: [makeApp('registered')] });
    registry.register(definePlugin({ name: 'mine', trackingStores: { echo: () => ({ mine: true }) as never } }));
    expect(await registry.trackingStore('echo://x')).toEqual({ mine: true });
    expect(() => registry.register({ name: 'future', apiVersion: PLUGIN_API_VERSION + 1 })).toThrow(/plugin API version/);
  });
});
