// The SFTP repository against a real OpenSSH server started on a free loopback port.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { downloadToLocal, LabbookError, safeArtifactRepository, uploadLocalDir } from '@labbook/core';
import { describeArtifactRepository } from '@labbook/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test/harness/service.js';
import { type SshdTestServer, startSshd } from '../../../test/harness/sshd.js';
import { parseSftpUri, plugin, readSshConfig, SftpArtifactRepository, type SftpArtifactRepositoryOptions } from '../src/index.js';

let server: SshdTestServer | undefined;
try {
  server = await startSshd();
} catch (error) {
  serviceAvailable('SFTP (OpenSSH sshd)', error);
}
afterAll(() => server?.stop());

const repos: SftpArtifactRepository[] = [];
afterAll(async () => {
  for (const r of repos) await r.close();
});

function repoAt(name = randomUUID(), options: SftpArtifactRepositoryOptions = {}): SftpArtifactRepository {
  const dir = join(server!.root, name);
  mkdirSync(dir, { recursive: true });
  const repo = new SftpArtifactRepository(`sftp://${server!.user}@${server!.host}:${server!.port}${dir}`, {
    privateKeyPath: server!.privateKeyPath,
    sshConfig: '',
    ...options,
  });
  repos.push(repo);
  return repo;
}

function* chunks(total: number, size = 1024 * 1024): Generator<Buffer> {
  for (let done = 0, i = 0; done < total; done += size, i++) yield Buffer.alloc(Math.min(size, total - done), i % 251);
}

describe.runIf(server)('sftp repository', () => {
  describeArtifactRepository({
    name: 'sftp (sshd)',
    create: async () => repoAt(),
    cleanup: (repo) => repo.close?.() ?? Promise.resolve(),
    capabilities: { symlinks: true, localRoot: (repo) => (repo as SftpArtifactRepository).root },
    // The peak RSS also holds garbage V8 has not collected yet (seen: 158 MB under a loaded CI run);
    // a body buffered whole would pass 200 MiB, which this limit still catches.
    largeFile: { bytes: 200 * 1024 * 1024, rssGrowthLimit: 185 * 1024 * 1024 },
  });

  it('moves local files through the fast paths, without partial files on failure', async () => {
    const repo = safeArtifactRepository(repoAt());
    const dir = await mkdtemp(join(tmpdir(), 'labbook-sftp-'));
    try {
      await writeFile(join(dir, 'in.bin'), Buffer.alloc(5 * 1024 * 1024, 3));
      let progress = 0;
      await repo.uploadFile!(join(dir, 'in.bin'), 'fast/in.bin', { onProgress: (p) => (progress = p.bytesDone) });
      expect(progress).toBe(5 * 1024 * 1024);
      await repo.downloadFile!('fast/in.bin', join(dir, 'out.bin'));
      expect((await readFile(join(dir, 'out.bin'))).equals(await readFile(join(dir, 'in.bin')))).toBe(true);
      await expect(repo.downloadFile!('fast/missing.bin', join(dir, 'missing.bin'))).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      });
      expect(readdirSync(dir).sort()).toEqual(['in.bin', 'out.bin']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Small files take the pipelined in-memory path, larger ones the fast paths; smallFileBytes 0
  // sends every file through fastPut/fastGet.
  it.for([
    { name: 'default', options: {} },
    { name: 'fast paths only', options: { smallFileBytes: 0 } },
    { name: 'tiny chunks', options: { chunkSize: 1000, smallFileBytes: 100_000 } },
  ])('round-trips a tree of small, empty and larger files in parallel ($name)', async ({ options }) => {
    const repo = safeArtifactRepository(repoAt(randomUUID(), options));
    const dir = await mkdtemp(join(tmpdir(), 'labbook-sftp-tree-'));
    try {
      const files = new Map<string, Buffer>();
      for (let i = 0; i < 40; i++) files.set(`d${i % 4}/sub${i % 3}/f${i}.bin`, Buffer.alloc(i * 997, i));
      files.set('empty.txt', Buffer.alloc(0));
      files.set('d0/big.bin', Buffer.alloc(3 * 1024 * 1024 + 17, 9));
      files.set('d1/near-limit.bin', Buffer.alloc(100_001, 4));
      for (const [p, data] of files) {
        mkdirSync(join(dir, 'in', p, '..'), { recursive: true });
        writeFileSync(join(dir, 'in', p), data);
      }
      // Many files start at once in folders that do not exist yet: they share one check and mkdir.
      await uploadLocalDir(repo, join(dir, 'in'), 'tree', { concurrency: 16 });
      expect((await repo.list('tree/d0')).map((f) => f.path)).toEqual(['tree/d0/big.bin', 'tree/d0/sub0', 'tree/d0/sub1', 'tree/d0/sub2']);
      const out = await downloadToLocal(repo, 'tree', join(dir, 'out'), { concurrency: 16 });
      for (const [p, data] of files) expect((await readFile(join(out, p))).equals(data), p).toBe(true);
      const leftovers = readdirSync(join(dir, 'out'), { recursive: true }).filter((f) => String(f).includes('labbook-'));
      expect(leftovers).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never follows a symlink out of the root with uploadFile or downloadFile', async () => {
    const name = randomUUID();
    const repo = safeArtifactRepository(repoAt(name));
    const root = join(server!.root, name);
    const outside = await mkdtemp(join(tmpdir(), 'labbook-outside-'));
    const local = await mkdtemp(join(tmpdir(), 'labbook-sftp-local-'));
    try {
      writeFileSync(join(outside, 'secret.txt'), 'secret');
      writeFileSync(join(local, 'small.txt'), 'planted');
      writeFileSync(join(local, 'large.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
      symlinkSync(outside, join(root, 'escape'));
      symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link.txt'));
      for (const file of ['small.txt', 'large.bin']) {
        await expect(repo.uploadFile!(join(local, file), `escape/${file}`)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
        await expect(repo.uploadFile!(join(local, file), `escape/new/${file}`)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
      }
      expect(readdirSync(outside)).toEqual(['secret.txt']);
      await expect(repo.downloadFile!('secret-link.txt', join(local, 'got.txt'))).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
      await expect(repo.downloadFile!('escape/secret.txt', join(local, 'got.txt'))).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      });
      expect(readdirSync(local).sort()).toEqual(['large.bin', 'small.txt']);
      // A symlink at the final name is replaced, not written through.
      await repo.uploadFile!(join(local, 'small.txt'), 'secret-link.txt');
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
      expect(await readFile(join(root, 'secret-link.txt'), 'utf8')).toBe('planted');
    } finally {
      await rm(outside, { recursive: true, force: true });
      await rm(local, { recursive: true, force: true });
    }
  });

  it('refuses a file as a folder, a folder as a file and a missing local file, leaving nothing behind', async () => {
    const name = randomUUID();
    const repo = safeArtifactRepository(repoAt(name));
    const local = await mkdtemp(join(tmpdir(), 'labbook-sftp-local-'));
    try {
      writeFileSync(join(local, 'a.txt'), 'a');
      await repo.put('plain', 'x');
      await expect(repo.uploadFile!(join(local, 'a.txt'), 'plain/a.txt')).rejects.toSatisfy(LabbookError.is);
      await expect(repo.uploadFile!(join(local, 'missing.txt'), 'm/a.txt')).rejects.toSatisfy(LabbookError.is);
      await repo.put('d/x', 'x');
      await expect(repo.downloadFile!('d', join(local, 'dir-as-file'))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      expect(readdirSync(join(server!.root, name), { recursive: true }).map(String).sort()).toEqual(['d', 'd/x', 'plain']);
      expect(readdirSync(local)).toEqual(['a.txt']);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  it('reconnects after the server comes back from an outage', async () => {
    const repo = safeArtifactRepository(repoAt(randomUUID(), { connectAttempts: 1 }));
    await repo.put('before.txt', 'before');
    await server!.kill();
    await expect(repo.put('during.txt', 'x')).rejects.toMatchObject({ code: 'TEMPORARILY_UNAVAILABLE' });
    await server!.restart();
    await repo.put('after.txt', 'after');
    expect((await repo.list()).map((f) => f.path)).toEqual(['after.txt', 'before.txt']);
  }, 30_000);

  it('fails a tree upload promptly when the server dies, every file at its final name complete', async () => {
    const name = randomUUID();
    const repo = safeArtifactRepository(repoAt(name, { connectAttempts: 1 }));
    const local = await mkdtemp(join(tmpdir(), 'labbook-sftp-tree-'));
    try {
      for (let i = 0; i < 400; i++) writeFileSync(join(local, `f${i}.bin`), Buffer.alloc(20_000 + i, i % 251));
      let uploaded = 0;
      let killed: Promise<void> | undefined;
      // The server dies once 20 files are in; the rest are in flight or waiting.
      const error = await uploadLocalDir(repo, local, 'tree', {
        concurrency: 8,
        onProgress: () => {
          if (++uploaded === 20) killed = server!.kill();
        },
      }).catch((e) => e);
      await killed;
      expect(LabbookError.is(error)).toBe(true);
      expect(error.code).toBe('TEMPORARILY_UNAVAILABLE');
      const remoteDir = join(server!.root, name, 'tree');
      for (const f of existsSync(remoteDir) ? readdirSync(remoteDir) : []) {
        if (f.includes('.labbook-tmp-')) continue;
        const i = Number(/^f(\d+)\.bin$/.exec(f)![1]);
        expect((await readFile(join(remoteDir, f))).equals(Buffer.alloc(20_000 + i, i % 251)), f).toBe(true);
      }
    } finally {
      await server!.restart();
      await rm(local, { recursive: true, force: true });
    }
  }, 30_000);

  it('leaves no file at the final name when the server dies mid-upload', async () => {
    const name = randomUUID();
    const repo = safeArtifactRepository(repoAt(name));
    let killed = false;
    const source = Readable.from(
      (async function* () {
        let sent = 0;
        for (const c of chunks(64 * 1024 * 1024)) {
          sent += c.length;
          if (sent > 16 * 1024 * 1024 && !killed) {
            killed = true;
            await server!.kill();
          }
          yield c;
        }
      })(),
    );
    const error = await repo.put('fault/partial.bin', source).catch((e) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect(error.message).toContain('[labbook] [sftp]');
    expect(existsSync(join(server!.root, name, 'fault', 'partial.bin'))).toBe(false);
    // Bring a server back for later tests in this file.
    const old = server!;
    server = await startSshd();
    await old.stop();
  }, 60_000);

  it('keeps passwords out of error messages', async () => {
    const secret = `pw-${randomUUID()}`;
    const repo = new SftpArtifactRepository(`sftp://nobody:${secret}@127.0.0.1:${server!.port}/tmp/x`, {
      sshConfig: '',
      connectAttempts: 1,
      agent: '',
    });
    const error = await repo.list('').catch((e) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect(error.message).not.toContain(secret);
    await repo.close();
  });
});

describe('sftp configuration', () => {
  it('parses SFTP URIs', () => {
    expect(parseSftpUri('sftp://alice:pw@host:2222/data/runs/')).toEqual({
      host: 'host',
      port: 2222,
      user: 'alice',
      password: 'pw',
      root: '/data/runs',
    });
    expect(parseSftpUri('sftp://host/x')).toEqual({ host: 'host', root: '/x' });
    expect(() => parseSftpUri('sftp://host/a/../b')).toThrow(/'\.\.' segments/);
    expect(() => parseSftpUri('ftp://host/x')).toThrow(/Not an SFTP URI/);
  });

  it('fills host, user, port and key from an ssh config, first match wins', () => {
    const config = `Host other\n  User nope\nHost art*\n  HostName 10.0.0.5\n  User mlflow\n  Port 2200\n  IdentityFile ~/.ssh/id_art\nHost *\n  User fallback\n  Port 22\n`;
    expect(readSshConfig('artifacts', config)).toMatchObject({ hostName: '10.0.0.5', user: 'mlflow', port: 2200 });
    expect(readSshConfig('artifacts', config).identityFile).toMatch(/\.ssh\/id_art$/);
    expect(readSshConfig('box', config)).toEqual({ user: 'fallback', port: 22 });
  });
});

describe('factory options', () => {
  const failure = (options: Record<string, unknown>) => {
    try {
      plugin.artifactRepositories!.sftp!('sftp://user@example.invalid/data', options);
    } catch (error) {
      return error;
    }
    throw new Error('expected the factory to throw');
  };

  it('refuses a wrong type, naming the option and the type', () => {
    const e = failure({ readyTimeout: '20s' });
    expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e).toMatchObject({
      field: 'readyTimeout',
      message: expect.stringContaining("option 'readyTimeout' must be an integer of at least 1, not a string"),
    });
    expect(failure({ client: 'x' })).toMatchObject({ field: 'client', message: expect.stringContaining('ssh2-sftp-client') });
    expect(failure({ hostVerifier: true })).toMatchObject({ field: 'hostVerifier' });
    // The value of a bad secret option is never echoed.
    expect((failure({ password: ['hunter2'] }) as Error).message).not.toContain('hunter2');
  });

  it('accepts good options and ignores those of other plugins', () => {
    const repo = plugin.artifactRepositories!.sftp!('sftp://user@example.invalid/data', {
      password: 'pw',
      noDelay: false,
      artifactRoot: 'x',
    });
    expect(repo).toBeInstanceOf(SftpArtifactRepository);
  });
});
