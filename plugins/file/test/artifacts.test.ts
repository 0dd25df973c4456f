import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalArtifactRepository } from '../src/index.js';
import plugin from '../src/plugin.js';
import { removeTempRoots, tempRoot } from './helpers/temp-root.js';

describe('LocalArtifactRepository', () => {
  afterEach(removeTempRoots);

  it('accepts a bare path and a file: URI and round-trips files', async () => {
    const dir = join(tempRoot(), 'artifacts');
    for (const repo of [new LocalArtifactRepository(dir), new LocalArtifactRepository(pathToFileURL(dir).href)]) {
      await repo.put('model/MLmodel', 'flavors: {}\n');
      await repo.put('data/x.bin', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
      expect(await text(await repo.get('model/MLmodel'))).toBe('flavors: {}\n');
      expect(readFileSync(join(dir, 'data/x.bin'), 'utf8')).toBe('abcd');
      expect(await repo.list()).toEqual([
        { path: 'data', isDir: true },
        { path: 'model', isDir: true },
      ]);
      expect(await repo.list('data/x.bin')).toEqual([]);
      expect(await repo.list('missing')).toEqual([]);
      await repo.delete('data');
      expect(await repo.list()).toEqual([{ path: 'model', isDir: true }]);
      await repo.delete();
      expect(await repo.list()).toEqual([]);
    }
    expect(plugin.artifactRepositories?.file?.(dir, {})).toBeInstanceOf(LocalArtifactRepository);
  });

  it('never shows temp files and leaves none behind a failed upload', async () => {
    const dir = join(tempRoot(), 'artifacts');
    const repo = new LocalArtifactRepository(dir);
    const failing = new Readable({
      read() {
        this.destroy(new Error('network down'));
      },
    });
    await expect(repo.put('big.bin', failing)).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    mkdirSync(dir, { recursive: true });
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(join(dir, '.lbtmp-1-x-y'), 'partial');
    expect(await repo.list()).toEqual([]);
  });

  it('refuses paths and symlinks that leave the root', async () => {
    const base = tempRoot();
    const dir = join(base, 'artifacts');
    const outside = join(base, 'outside');
    mkdirSync(dir, { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'secret');
    symlinkSync(outside, join(dir, 'escape'));
    symlinkSync(join(outside, 'secret'), join(dir, 'link-to-secret'));
    const repo = new LocalArtifactRepository(dir);
    for (const bad of ['../outside/secret', 'a/../../outside/secret', '/etc/passwd']) {
      await expect(repo.get(bad)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    }
    await expect(repo.get('escape/secret')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.get('link-to-secret')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(repo.put('escape/new', 'x')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    expect(await repo.list('escape')).toEqual([]);
    await expect(repo.delete('escape/secret')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    expect(readdirSync(outside)).toEqual(['secret']);
    expect((await repo.list()).map((f) => f.path)).toEqual([]);
  });
});
