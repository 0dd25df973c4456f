import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  definePlugin,
  discoverPlugins,
  LabbookError,
  PLUGIN_API_VERSION,
  PluginRegistry,
  parseScheme,
  redactUri,
  type ValidatedTrackingStore,
} from '../src/index.js';

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

  it.each(['.', '..', './x', '../x', '/x', 'x/y', 'x\\y', '~', '~/x', '.\\x', 'C:/runs', '\\\\server\\share', 'file:x', 'file:///x'])(
    '%s looks like a path → file',
    (uri) => {
      expect(parseScheme(uri)).toBe('file');
    },
  );

  it.each(['databricks', 'postgresql', 'sqlite', 'uc', 'mlruns', '.mlruns', '~user', 'my runs'])(
    'refuses the bare word %s: it is neither a path nor a URI',
    (uri) => {
      const error = (() => {
        try {
          parseScheme(uri);
        } catch (e) {
          return e;
        }
        return undefined;
      })() as LabbookError | undefined;
      expect(LabbookError.is(error)).toBe(true);
      expect(error?.code).toBe('INVALID_PARAMETER_VALUE');
      expect(error?.message).toContain(`'${uri}'`);
      expect(error?.message).toContain('neither a path nor a URI with a scheme');
      expect(error?.message).toContain(`'./${uri}'`);
    },
  );

  it('suggests the word as a scheme only when it could be one', () => {
    expect(() => parseScheme('databricks')).toThrow(/'databricks:\/\/…'/);
    expect(() => parseScheme('my runs')).toThrow(/'<scheme>:\/\/…'/);
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
  writePackage(join(app, 'node_modules', 'labbook'), {
    name: 'labbook',
    version: '1.0.0',
    dependencies: { '@labbook/plugin-deep': '1.0.0' },
  });
  writePackage(
    join(app, 'node_modules', '@labbook', 'plugin-deep'),
    { name: '@labbook/plugin-deep', version: '1.0.0', labbook: { plugin: './p.mjs', tracking: [], registry: [], artifacts: ['deep'] } },
    {
      'p.mjs': `export default { name: '@labbook/plugin-deep', apiVersion: 1, artifactRepositories: { deep: (uri) => ({ rootUri: uri }) } };`,
    },
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
    // Resolved stores come behind the guard; the plugin's own store is its `inner`.
    const a = ((await registry.trackingStore('echo://one')) as ValidatedTrackingStore).inner as unknown as { uri: string };
    const b = ((await registry.trackingStore('echo://two')) as ValidatedTrackingStore).inner as unknown as { uri: string };
    expect(a.uri).toBe('echo://one');
    expect(b.uri).toBe('echo://two');
    expect((globalThis as Record<string, unknown>).__echoLoads).toBe(1);
    const repo = await registry.artifactRepository('deep://x');
    expect(repo.rootUri).toBe('deep://x');
    expect(registry.list().find((p) => p.name === 'labbook-plugin-echo')).toMatchObject({ source: 'installed', loaded: true });
  });

  it('names the scheme, the known schemes and the package to install for an unknown scheme', async () => {
    const registry = new PluginRegistry({ roots: [makeApp('unknown')] });
    const error = await registry.trackingStore('mssql://h/db').catch((e) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toContain("Unsupported URI scheme 'mssql'");
    expect(error.message).toContain('Known schemes: echo');
    // No first-party package provides mssql: naming a package would send people after nothing.
    expect(error.message).not.toMatch(/@labbook\/plugin-/);
    expect(error.message).toContain('install a plugin that announces this scheme');
  });

  it.each([
    ['tracking', 'mysql://u@h/db', '@labbook/plugin-mysql'],
    ['registry', 'mysql+pymysql://u@h/db', '@labbook/plugin-mysql'],
    ['tracking', 'postgresql://u@h/db', '@labbook/plugin-postgres'],
    ['registry', 'postgresql+psycopg2://u@h/db', '@labbook/plugin-postgres'],
    ['tracking', 'sqlite:///mlflow.db', '@labbook/plugin-sqlite'],
    ['artifacts', 's3://bucket/x', '@labbook/plugin-s3'],
    ['artifacts', 'r2://bucket@acct.r2.cloudflarestorage.com/x', '@labbook/plugin-s3'],
    ['artifacts', 'wasbs://c@a.blob.core.windows.net/x', '@labbook/plugin-azure-blob'],
    ['artifacts', 'sftp://u@h/x', '@labbook/plugin-sftp'],
  ] as const)('names the first-party package for a missing %s scheme (%s)', async (kind, uri, pkg) => {
    const registry = new PluginRegistry({ roots: [makeApp(`missing-${kind}-${uri.split(':')[0]}`)] });
    const open = {
      tracking: () => registry.trackingStore(uri),
      registry: () => registry.registryStore(uri),
      artifacts: () => registry.artifactRepository(uri),
    };
    const error = await open[kind]().catch((e) => e);
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toContain(`Install ${pkg}`);
    expect(error.message.match(/@labbook\/plugin-[a-z0-9-]+/g)).toEqual([pkg]);
  });

  it('does not name a first-party package that provides the scheme only for another kind', async () => {
    const registry = new PluginRegistry({ roots: [makeApp('wrong-kind')] });
    const error = await registry.artifactRepository('mysql://u@h/db').catch((e) => e);
    expect(error.message).not.toContain('@labbook/plugin-');
    expect(error.message).toContain('install a plugin that announces this scheme');
  });

  it.each(['databricks', 'postgresql', 'sqlite', 'uc', 'mlruns.db'])(
    "refuses the bare word '%s' for every kind instead of opening a file store in a folder of that name",
    async (word) => {
      const registry = new PluginRegistry({ roots: [makeApp(`bare-${word}`)] });
      let called = false;
      const spy = () => {
        called = true;
        return {} as never;
      };
      registry.register(
        definePlugin({
          name: 'spy-file',
          apiVersion: 2,
          trackingStores: { file: spy },
          registryStores: { file: spy },
          artifactRepositories: { file: spy },
        }),
      );
      for (const open of [
        () => registry.trackingStore(word),
        () => registry.registryStore(word),
        () => registry.artifactRepository(word),
      ]) {
        const error = await open().catch((e) => e);
        expect(LabbookError.is(error)).toBe(true);
        expect(error.code).toBe('INVALID_PARAMETER_VALUE');
        expect(error.message).toContain(`'${word}'`);
        expect(error.message).toContain('neither a path nor a URI with a scheme');
        expect(error.message).toContain(`./${word}`);
        expect(error.message).toContain('://');
      }
      expect(called).toBe(false);
    },
  );

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
    registry.register(definePlugin({ name: 'mine', apiVersion: 2, trackingStores: { echo: () => ({ mine: true }) as never } }));
    expect(((await registry.trackingStore('echo://x')) as ValidatedTrackingStore).inner).toEqual({ mine: true });
    expect(() => registry.register({ name: 'future', apiVersion: PLUGIN_API_VERSION + 1 })).toThrow(/plugin API version/);
  });
});

describe('first-party plugin table', () => {
  it('matches what each plugins/*/package.json (and packages/* with a labbook block) announces', async () => {
    const { FIRST_PARTY_PLUGINS } = await import('../src/plugins/first-party.js');
    const { readdirSync, readFileSync, existsSync } = await import('node:fs');
    const announced: Record<string, unknown> = {};
    // @labbook/tfjs lives in packages/ and is a plugin too (the `tfjs` flavor).
    const folders = ['plugins', 'packages'].map((f) => new URL(`../../../${f}/`, import.meta.url));
    for (const [parent, dir] of folders.flatMap((p) => readdirSync(p).map((d) => [p, d] as const))) {
      const file = new URL(`${dir}/package.json`, parent);
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; labbook?: Record<string, string[]> };
      if (!pkg.labbook) continue;
      announced[pkg.name] = {
        tracking: pkg.labbook.tracking ?? [],
        registry: pkg.labbook.registry ?? [],
        artifacts: pkg.labbook.artifacts ?? [],
        ...(pkg.labbook.flavors ? { flavors: pkg.labbook.flavors } : {}),
      };
    }
    expect(Object.keys(announced).length).toBeGreaterThan(0);
    expect(FIRST_PARTY_PLUGINS).toEqual(announced);
  });
});
