// The Azure Blob repository against a real blob service (azurite, on a free loopback port).
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { LabbookError, safeArtifactRepository } from '@labbook/core';
import { describeArtifactRepository } from '@labbook/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { AZURITE_KEY, type AzuriteTestServer, startAzurite } from '../../../test/harness/azurite.js';
import { serviceAvailable } from '../../../test/harness/service.js';
import { AzureBlobArtifactRepository, parseWasbsUri, plugin } from '../src/index.js';

let server: AzuriteTestServer | undefined;
try {
  server = await startAzurite();
  await BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient('labbook').createIfNotExists();
} catch (error) {
  serviceAvailable('Azure Blob (azurite)', error);
}
afterAll(() => server?.stop());

const repoAt = (prefix = randomUUID()) =>
  new AzureBlobArtifactRepository(`wasbs://labbook@devstoreaccount1.blob.core.windows.net/runs/${prefix}`, {
    connectionString: server!.connectionString,
  });

function* chunks(total: number, size = 1024 * 1024): Generator<Buffer> {
  for (let done = 0, i = 0; done < total; done += size, i++) yield Buffer.alloc(Math.min(size, total - done), i % 251);
}

describe.runIf(server)('azure blob repository', () => {
  describeArtifactRepository({
    name: 'azure-blob (azurite)',
    create: async () => repoAt(),
    // Blocks in flight (4 x 8 MiB) plus stream buffers, never the whole body.
    // The peak RSS also holds garbage V8 has not collected yet (seen: 158 MB under a loaded CI run);
    // a body buffered whole would pass 200 MiB, which this limit still catches.
    largeFile: { bytes: 200 * 1024 * 1024, rssGrowthLimit: 185 * 1024 * 1024 },
  });

  it('never commits a partial blob when the upload fails midway', async () => {
    const repo = safeArtifactRepository(repoAt());
    const source = Readable.from(
      (function* () {
        let n = 0;
        for (const c of chunks(40 * 1024 * 1024)) {
          if (++n === 20) throw new Error('source failed');
          yield c;
        }
      })(),
    );
    const error = await repo.put('fault/partial.bin', source).catch((e) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect(error.message).toContain('[labbook] [azure-blob] upload to wasbs://labbook@devstoreaccount1');
    expect(await repo.list('fault')).toEqual([]);
  }, 60_000);

  it('keeps keys out of error messages and reports missing blobs', async () => {
    const bad = new AzureBlobArtifactRepository('wasbs://labbook@devstoreaccount1.blob.core.windows.net/x', {
      connectionString: server!.connectionString.replace(AZURITE_KEY, Buffer.from('wrong-key-0123456789').toString('base64')),
      maxTries: 1,
    });
    const error = await bad.put('a.txt', 'x').catch((e) => e);
    expect(LabbookError.is(error)).toBe(true);
    expect(error.message).not.toContain(AZURITE_KEY);
    expect(error.message).not.toContain('AccountKey=');
    const missing = await repoAt()
      .get('nothing.txt')
      .catch((e) => e);
    expect(missing.code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('refuses a timeout setting that is not a number instead of running without one', async () => {
    process.env.MLFLOW_ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT = '10m';
    try {
      const repo = new AzureBlobArtifactRepository('wasbs://labbook@devstoreaccount1.blob.core.windows.net/t', {
        connectionString: server!.connectionString,
      });
      const error = await repo.put('a.txt', 'x').catch((e) => e);
      expect(LabbookError.is(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
      expect(error.message).toContain('MLFLOW_ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT');
    } finally {
      delete process.env.MLFLOW_ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT;
    }
  });
});

describe('wasbs URIs', () => {
  it('parses MLflow wasbs URIs and refuses others', () => {
    expect(parseWasbsUri('wasbs://c@acct.blob.core.windows.net/a/b/')).toEqual({
      container: 'c',
      account: 'acct',
      apiSuffix: 'blob.core.windows.net',
      prefix: 'a/b',
    });
    expect(parseWasbsUri('wasbs://c@acct.blob.core.chinacloudapi.cn')).toMatchObject({
      apiSuffix: 'blob.core.chinacloudapi.cn',
      prefix: '',
    });
    expect(() => parseWasbsUri('wasbs://acct.blob.core.windows.net/x')).toThrow(/Not a valid Azure Blob URI/);
    expect(() => parseWasbsUri('wasbs://c@acct.blob.core.windows.net/a/../b')).toThrow(/'\.\.' segments/);
  });
});

describe('factory options', () => {
  const uri = 'wasbs://models@acct.blob.core.windows.net/runs';
  const failure = (options: Record<string, unknown>) => {
    try {
      plugin.artifactRepositories!.wasbs!(uri, options);
    } catch (error) {
      return error;
    }
    throw new Error('expected the factory to throw');
  };

  it('refuses a wrong type, naming the option and the type', () => {
    const e = failure({ connectionString: 42 });
    expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e).toMatchObject({
      field: 'connectionString',
      message: expect.stringContaining("option 'connectionString' must be a string, not a number"),
    });
    expect(failure({ containerClient: 'x' })).toMatchObject({
      field: 'containerClient',
      message: expect.stringContaining('a ContainerClient from @azure/storage-blob'),
    });
    expect(failure({ blockSize: '8MB' })).toMatchObject({ field: 'blockSize' });
  });

  it('accepts good options and ignores those of other plugins', () => {
    expect(plugin.artifactRepositories!.wasbs!(uri, { maxTries: 2, artifactRoot: './mlruns' })).toBeInstanceOf(AzureBlobArtifactRepository);
  });
});
