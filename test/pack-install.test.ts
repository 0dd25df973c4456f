// A third-party plugin installed from a tarball, as from npm, is found by its package.json alone:
// pack @labbook/core and the memory example, install both into a scratch project, and use
// `memory://` there with no registration code, from ESM and from CommonJS. And labbook itself, as the
// README tells people to install it before it is on npm: scripts/pack.mjs packs the workspace, an app
// installs the tarballs it prints, and logs runs to ./mlruns from ESM, CommonJS and the command.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'labbook-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function pack(dir: string): string {
  const out = join(scratch, 'tarballs');
  execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: join(repo, dir), stdio: 'pipe' });
  const name = readdirSync(out).find((f) => f.startsWith(dir.includes('core') ? 'labbook-core-' : 'labbook-plugin-memory-'));
  if (!name) throw new Error(`no tarball for ${dir}`);
  return join(out, name);
}

beforeAll(() => {
  const core = pack('packages/core');
  const memory = pack('examples/plugin-memory');
  const app = join(scratch, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'scratch-app',
      private: true,
      type: 'module',
      dependencies: { '@labbook/core': `file:${core}`, 'labbook-plugin-memory': `file:${memory}` },
    }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, stdio: 'pipe' });
  writeFileSync(
    join(app, 'use.mjs'),
    `import { Client, listPlugins } from '@labbook/core';
const client = new Client({ trackingUri: 'memory://scratch' });
const experimentId = await client.createExperiment('from-npm');
const run = await client.createRun(experimentId, { runName: 'packed' });
await client.logBatch(run.info.runId, { metrics: [{ key: 'acc', value: 0.9, timestamp: 1, step: 1 }], params: [{ key: 'lr', value: '0.1' }] });
await client.logText(run.info.runId, 'hi', 'notes.txt');
const read = await client.getRun(run.info.runId);
const plugin = listPlugins().find((p) => p.name === 'labbook-plugin-memory');
console.log(JSON.stringify({ name: read.info.runName, acc: read.data.metrics[0].value, lr: read.data.params[0].value, text: await client.readArtifactText(run.info.runId, 'notes.txt'), plugin }));
`,
  );
  writeFileSync(
    join(app, 'use.cjs'),
    `const { Client } = require('@labbook/core');
(async () => {
  const client = new Client({ trackingUri: 'memory://cjs' });
  const id = await client.createExperiment('cjs');
  console.log(JSON.stringify({ id, experiment: (await client.getExperiment(id)).name }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
  );
}, 120_000);

describe('a plugin installed from a tarball', () => {
  it('is discovered for memory:// from ESM with no registration code', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: join(scratch, 'app') }).toString()) as Record<
      string,
      unknown
    >;
    expect(out).toMatchObject({ name: 'packed', acc: 0.9, lr: '0.1', text: 'hi' });
    expect(out.plugin).toMatchObject({ source: 'installed', tracking: ['memory'], registry: ['memory'], artifacts: ['memory'] });
  });

  it('is discovered from CommonJS too', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['use.cjs'], { cwd: join(scratch, 'app') }).toString()) as Record<
      string,
      unknown
    >;
    expect(out).toEqual({ id: '1', experiment: 'cjs' });
  });

  it('names the missing package for a scheme nobody provides', () => {
    const script = `import { Client } from '@labbook/core';
await new Client({ trackingUri: 'mysql://root@127.0.0.1/x' }).getExperiment('0').catch((e) => { console.log(e.message); });`;
    writeFileSync(join(scratch, 'app', 'missing.mjs'), script);
    const message = execFileSync(process.execPath, ['missing.mjs'], { cwd: join(scratch, 'app') }).toString();
    expect(message).toContain("Unsupported URI scheme 'mysql'");
    expect(message).toMatch(/Known schemes: [^.]*memory/);
    expect(message).toContain('@labbook/plugin-mysql');
  });
});

describe('labbook installed from the tarballs of scripts/pack.mjs', () => {
  const app = join(scratch, 'labbook-app');
  let printed = '';

  beforeAll(() => {
    const out = join(scratch, 'all');
    // --no-build: the suite runs after the build (`pnpm test` builds first) and other test files read
    // the same dist/ folders, which a rebuild here would empty under them.
    printed = execFileSync(process.execPath, [join(repo, 'scripts', 'pack.mjs'), out, '--no-build'], {
      cwd: repo,
      stdio: 'pipe',
    }).toString();
    // The script prints the one npm line for an app; run exactly that, as a user pastes it.
    const line = /^\s*npm install (.+)$/m.exec(printed)?.[1];
    if (!line) throw new Error(`scripts/pack.mjs printed no install line:\n${printed}`);
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'labbook-app', private: true }));
    // --prefer-offline: third-party dependencies come from npm's cache when it has them.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...line.split(' ')], {
      cwd: app,
      stdio: 'pipe',
    });
    writeFileSync(
      join(app, 'train.mjs'),
      `import { Client, logMetric, logParams, setExperiment, withRun } from 'labbook';
await setExperiment('from-tarballs');
const runId = await withRun(async (run) => {
  await logParams({ lr: 0.1 });
  for (let step = 0; step < 3; step++) logMetric('loss', 1 / (step + 1), { step });
  return run.info.runId;
});
const run = await new Client().getRun(runId);
console.log(JSON.stringify({ status: run.info.status, loss: run.data.metrics.find((m) => m.key === 'loss')?.value, lr: run.data.params[0]?.value }));
`,
    );
    writeFileSync(
      join(app, 'train.cjs'),
      `const { Client } = require('labbook');
(async () => {
  const client = new Client();
  const experiment = await client.getExperimentByName('from-tarballs');
  const run = await client.createRun(experiment.experimentId, { runName: 'cjs' });
  await client.logBatch(run.info.runId, { metrics: [{ key: 'acc', value: 0.5, timestamp: 1, step: 0 }] });
  await client.setTerminated(run.info.runId);
  const { items } = await client.searchRuns([experiment.experimentId]);
  console.log(JSON.stringify({ runs: items.length }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
  }, 120_000);

  it('packs every public package, with workspace: ranges rewritten', () => {
    const names = readdirSync(join(scratch, 'all')).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'labbook-0.1.0.tgz',
        'labbook-core-0.1.0.tgz',
        'labbook-plugin-file-0.1.0.tgz',
        'labbook-server-0.1.0.tgz',
        'labbook-ui-0.1.0.tgz',
        'labbook-plugin-mysql-0.1.0.tgz',
        'labbook-plugin-postgres-0.1.0.tgz',
        'labbook-plugin-sqlite-0.1.0.tgz',
        'labbook-sql-0.1.0.tgz',
        'labbook-testkit-0.1.0.tgz',
      ]),
    );
    expect(names.some((n) => n.includes('quickstart'))).toBe(false);
    const manifest = execFileSync('tar', ['-xOzf', join(scratch, 'all', 'labbook-0.1.0.tgz'), 'package/package.json']).toString();
    expect(manifest).not.toContain('workspace:');
  });

  it("logs runs to the app's ./mlruns from ESM, then CommonJS, then the labbook command", () => {
    const esm = JSON.parse(
      execFileSync(process.execPath, ['train.mjs'], {
        cwd: app,
        env: { ...process.env, LABBOOK_TRACKING_URI: '', MLFLOW_TRACKING_URI: '' },
      }).toString(),
    ) as Record<string, unknown>;
    expect(esm).toEqual({ status: 'FINISHED', loss: 1 / 3, lr: '0.1' });
    expect(existsSync(join(app, 'mlruns'))).toBe(true);
    const cjs = JSON.parse(
      execFileSync(process.execPath, ['train.cjs'], {
        cwd: app,
        env: { ...process.env, LABBOOK_TRACKING_URI: '', MLFLOW_TRACKING_URI: '' },
      }).toString(),
    ) as Record<string, unknown>;
    expect(cjs).toEqual({ runs: 2 });
    const bin = join(app, 'node_modules', '.bin', 'labbook');
    expect(execFileSync(bin, ['--version'], { cwd: app }).toString().trim()).toBe('0.1.0');
    const listed = JSON.parse(
      execFileSync(bin, ['experiments', 'list', '--json'], {
        cwd: app,
        env: { ...process.env, LABBOOK_TRACKING_URI: '', MLFLOW_TRACKING_URI: '' },
      }).toString(),
    ) as { name: string }[];
    expect(listed.map((e) => e.name)).toContain('from-tarballs');
  });
});
