// A third-party plugin installed from a tarball, as from npm, is found by its package.json alone:
// pack @labbook/core and the memory example, install both into a scratch project, and use
// `memory://` there with no registration code, from ESM and from CommonJS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
    JSON.stringify({ name: 'scratch-app', private: true, type: 'module', dependencies: { '@labbook/core': `file:${core}`, 'labbook-plugin-memory': `file:${memory}` } }),
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
    const out = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: join(scratch, 'app') }).toString()) as Record<string, unknown>;
    expect(out).toMatchObject({ name: 'packed', acc: 0.9, lr: '0.1', text: 'hi' });
    expect(out.plugin).toMatchObject({ source: 'installed', tracking: ['memory'], registry: ['memory'], artifacts: ['memory'] });
  });

  it('is discovered from CommonJS too', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['use.cjs'], { cwd: join(scratch, 'app') }).toString()) as Record<string, unknown>;
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
