// Symlink loops in a run's artifacts (`a/loop -> ..`, `a/self -> .`): MLflow-style listing followed
// them and a download of 8 files wrote 327. Links to a folder already on the path are not followed.
import { mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, downloadToLocal, type FileInfo, PluginRegistry } from '@labbook/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalArtifactRepository } from '../src/index.js';
import plugin from '../src/plugin.js';
import { removeTempRoots, tempRoot } from './helpers/temp-root.js';

const FILES = ['top.txt', 'a/one.txt', 'a/two.txt', 'a/b/three.txt', 'a/b/c/four.txt', 'd/five.txt', 'd/six.txt', 'd/e/seven.txt'];

function writeFiles(dir: string): string {
  for (const f of FILES) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), f);
  }
  return dir;
}

function plantLoops(dir: string): string {
  symlinkSync('..', join(dir, 'a', 'loop')); // back to the root
  symlinkSync('.', join(dir, 'a', 'b', 'self')); // to its own folder
  symlinkSync('../..', join(dir, 'd', 'e', 'up2')); // two levels up
  symlinkSync(dir, join(dir, 'root-abs')); // the root by absolute path
  return dir;
}

/** The 8 files under `dir` with the loops planted among them; returns `dir`. */
const loopedTree = (dir: string) => plantLoops(writeFiles(dir));
const loopedSource = () => writeFiles(join(tempRoot(), 'src'));

async function listTree(repo: LocalArtifactRepository, path = ''): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for (const info of await repo.list(path)) {
    // A bound, so a regression fails the test instead of hanging it.
    if (out.length > 1000) throw new Error('listing does not end');
    out.push(info);
    if (info.isDir) out.push(...(await listTree(repo, info.path)));
  }
  return out;
}

function localFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

describe('symlink loops in artifacts', () => {
  afterEach(removeTempRoots);

  it('lists each of the 8 files once, skipping links to folders on the path', async () => {
    const repo = new LocalArtifactRepository(loopedTree(join(tempRoot(), 'artifacts')));
    const all = await listTree(repo);
    expect(
      all
        .filter((f) => !f.isDir)
        .map((f) => f.path)
        .sort(),
    ).toEqual([...FILES].sort());
    expect(
      all
        .filter((f) => f.isDir)
        .map((f) => f.path)
        .sort(),
    ).toEqual(['a', 'a/b', 'a/b/c', 'd', 'd/e']);
    // Naming a path through a loop lists nothing, as a link leaving the root does.
    expect(await repo.list('a/loop')).toEqual([]);
    expect(await repo.list('a/b/self')).toEqual([]);
  });

  it('still follows a link to a folder inside the root that is not above it', async () => {
    const dir = join(tempRoot(), 'artifacts');
    mkdirSync(join(dir, 'real'), { recursive: true });
    writeFileSync(join(dir, 'real', 'x.txt'), 'x');
    symlinkSync('real', join(dir, 'alias'));
    const repo = new LocalArtifactRepository(dir);
    expect((await listTree(repo)).map((f) => f.path).sort()).toEqual(['alias', 'alias/x.txt', 'real', 'real/x.txt']);
  });

  it('downloads exactly the 8 files with downloadToLocal', async () => {
    const repo = new LocalArtifactRepository(loopedTree(join(tempRoot(), 'artifacts')));
    const dst = join(tempRoot(), 'dst');
    await downloadToLocal(repo, '', dst);
    expect(localFiles(dst)).toEqual([...FILES].sort());
  });

  it('downloads exactly the 8 files of a run through the Client', async () => {
    const plugins = new PluginRegistry({ roots: [] });
    plugins.register(plugin);
    const client = new Client({ trackingUri: join(tempRoot(), 'mlruns'), plugins });
    const experimentId = await client.createExperiment('loops');
    const run = await client.createRun(experimentId);
    // The loops are planted after logging, as a job writing into its artifact folder would.
    await client.logArtifacts(run.info.runId, loopedSource());
    const runArtifacts = fileURLToPath((await client.runArtifactRepository(run.info.runId)).rootUri);
    plantLoops(runArtifacts);
    const dst = join(tempRoot(), 'dst');
    const out = await client.downloadArtifacts(run.info.runId, '', dst);
    expect(statSync(out).isDirectory()).toBe(true);
    expect(localFiles(out)).toEqual([...FILES].sort());
    expect((await client.listArtifacts(run.info.runId, 'a')).map((f) => f.path)).toEqual(['a/b', 'a/one.txt', 'a/two.txt']);
  });
});
