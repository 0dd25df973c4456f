// Core finds a plugin by the schemes its package.json announces, before importing it: a scheme the
// plugin serves but does not announce (`r2://` in the S3 plugin once) is unreachable through the
// Client, and one announced but not served fails at first use. So for every plugin in plugins/*, the
// built plugin module and the announcement must agree, kind by kind. The same holds for packages
// outside plugins/ that announce a `labbook` block.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, type LabbookPlugin, PluginRegistry, saveModel } from '@labbook/core';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const KINDS = {
  tracking: 'trackingStores',
  registry: 'registryStores',
  artifacts: 'artifactRepositories',
  flavors: 'modelFlavors',
  projectBackends: 'projectBackends',
} as const;

interface Announced {
  name: string;
  labbook: { plugin: string } & Record<keyof typeof KINDS, string[] | undefined>;
}

// Every package in plugins/*, plus packages/* that are plugins too (@labbook/tfjs serves the `tfjs`
// flavor): there, a package is a plugin exactly when it has a `labbook` block.
function packagesIn(folder: string, pluginsOnly: boolean): Array<{ dir: string; pkg: Announced }> {
  return readdirSync(join(root, folder))
    .filter((d) => existsSync(join(root, folder, d, 'package.json')))
    .map((d) => {
      const dir = join(root, folder, d);
      return { dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Announced };
    })
    .filter((p) => !pluginsOnly || p.pkg.labbook !== undefined);
}
const plugins = [...packagesIn('plugins', false), ...packagesIn('packages', true)];

async function loadPlugin(dir: string, pkg: Announced): Promise<LabbookPlugin> {
  const file = join(dir, pkg.labbook.plugin);
  if (!existsSync(file)) throw new Error(`${file} is missing: build ${pkg.name} first (pnpm --filter ${pkg.name} build)`);
  const mod = (await import(pathToFileURL(file).href)) as { default: LabbookPlugin };
  return mod.default;
}

const temp: string[] = [];
afterAll(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

describe('plugin scheme announcements', () => {
  it('finds every plugin', () => {
    expect(plugins.map((p) => p.pkg.name).sort()).toEqual(
      expect.arrayContaining([
        '@labbook/plugin-file',
        '@labbook/plugin-mysql',
        '@labbook/plugin-s3',
        '@labbook/plugin-azure-blob',
        '@labbook/plugin-sftp',
        '@labbook/tfjs',
      ]),
    );
  });

  it.each(plugins.map((p) => [p.pkg.name, p] as const))(
    '%s announces exactly the schemes its plugin serves',
    async (_name, { dir, pkg }) => {
      const plugin = await loadPlugin(dir, pkg);
      for (const [kind, field] of Object.entries(KINDS) as Array<[keyof typeof KINDS, (typeof KINDS)[keyof typeof KINDS]]>) {
        const served = Object.keys(plugin[field] ?? {})
          .map((s) => s.toLowerCase())
          .sort();
        const announced = [...(pkg.labbook[kind] ?? [])].map((s) => s.toLowerCase()).sort();
        expect({ kind, schemes: announced }).toEqual({ kind, schemes: served });
      }
    },
  );

  it('a missing tfjs flavor names @labbook/tfjs, and once installed the package is found by its announcement', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'labbook-plugin-schemes-'));
    temp.push(bare);
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    const missing = saveModel(join(bare, 'model'), { flavor: 'tfjs', model: {}, plugins: new PluginRegistry({ roots: [bare] }) });
    await expect(missing).rejects.toThrow(/Install @labbook\/tfjs/);
    const app = mkdtempSync(join(tmpdir(), 'labbook-plugin-schemes-'));
    temp.push(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { '@labbook/tfjs': '*' } }));
    mkdirSync(join(app, 'node_modules', '@labbook'), { recursive: true });
    symlinkSync(join(root, 'packages', 'tfjs'), join(app, 'node_modules', '@labbook', 'tfjs'), 'dir');
    expect((await new PluginRegistry({ roots: [app] }).modelFlavor('tfjs'))?.name).toBe('tfjs');
  });

  it('r2:// reaches the S3 plugin through the Client, found by its package.json', async () => {
    // An app that depends on the S3 plugin, as a user's would.
    const app = mkdtempSync(join(tmpdir(), 'labbook-plugin-schemes-'));
    temp.push(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { '@labbook/plugin-s3': '*' } }));
    mkdirSync(join(app, 'node_modules', '@labbook'), { recursive: true });
    symlinkSync(join(root, 'plugins', 's3'), join(app, 'node_modules', '@labbook', 'plugin-s3'), 'dir');
    const client = new Client({ trackingUri: join(app, 'mlruns'), plugins: new PluginRegistry({ roots: [app] }) });
    const uri = 'r2://bucket@account.r2.cloudflarestorage.com/prefix';
    // Building the repository touches no network: the SDK client is made on first transfer.
    const repo = await client.artifactRepositoryFor(uri);
    expect(repo.rootUri).toBe(uri);
  });

  it('a project backend announced under "projectBackends" is found by name (examples/project-backend-echo)', async () => {
    const example = join(root, 'examples', 'project-backend-echo');
    const pkg = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8')) as Announced;
    const plugin = await loadPlugin(example, pkg);
    expect(Object.keys(plugin.projectBackends ?? {})).toEqual(pkg.labbook.projectBackends);
    const app = mkdtempSync(join(tmpdir(), 'labbook-plugin-schemes-'));
    temp.push(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { [pkg.name]: '*' } }));
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(example, join(app, 'node_modules', pkg.name), 'dir');
    const registry = new PluginRegistry({ roots: [app] });
    expect((await registry.projectBackend('echo')).name).toBe('echo');
    await expect(registry.projectBackend('nope')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', field: 'backend' });
  });
});
