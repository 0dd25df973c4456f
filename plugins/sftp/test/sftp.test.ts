// The SFTP repository against a real OpenSSH server started on a free loopback port.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LabbookError, safeArtifactRepository } from '@labbook/core';
import { describeArtifactRepository } from '@labbook/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test/harness/service.js';
import { type SshdTestServer, startSshd } from '../../../test/harness/sshd.js';
import { parseSftpUri, readSshConfig, SftpArtifactRepository } from '../src/index.js';

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

function repoAt(name = randomUUID()): SftpArtifactRepository {
  const dir = join(server!.root, name);
  mkdirSync(dir, { recursive: true });
  const repo = new SftpArtifactRepository(`sftp://${server!.user}@${server!.host}:${server!.port}${dir}`, { privateKeyPath: server!.privateKeyPath, sshConfig: '' });
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
      await expect(repo.downloadFile!('fast/missing.bin', join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
      expect(readdirSync(dir).sort()).toEqual(['in.bin', 'out.bin']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

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
    const repo = new SftpArtifactRepository(`sftp://nobody:${secret}@127.0.0.1:${server!.port}/tmp/x`, { sshConfig: '', connectAttempts: 1, agent: '' });
    const error = await repo.list('').catch((e) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect(error.message).not.toContain(secret);
    await repo.close();
  });
});

describe('sftp configuration', () => {
  it('parses SFTP URIs', () => {
    expect(parseSftpUri('sftp://alice:pw@host:2222/data/runs/')).toEqual({ host: 'host', port: 2222, user: 'alice', password: 'pw', root: '/data/runs' });
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
