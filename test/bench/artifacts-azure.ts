// Azure Blob (against azurite on loopback): upload and download throughput of one 256 MB file and of
// 1,000 files of 10 KB through labbook, and the same transfers with raw SDK calls as the floor.
import { createReadStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { downloadToLocal, forEachBounded, safeArtifactRepository, uploadLocalDir } from '@labbook/core';
import { AzureBlobArtifactRepository } from '../../plugins/azure-blob/src/index.js';
import { startAzurite } from '../harness/azurite.js';
import { BIG_BYTES, makeFixture, report, SMALL_BYTES, SMALL_COUNT, timed } from './transfer-fixture.js';

const server = await startAzurite();
const fx = await makeFixture('azure');
const container = BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient('bench');
await container.createIfNotExists();
const repo = safeArtifactRepository(
  new AzureBlobArtifactRepository('wasbs://bench@devstoreaccount1.blob.core.windows.net/labbook', { connectionString: server.connectionString }),
);

const rawUp = await timed(() => container.getBlockBlobClient('raw/big.bin').uploadStream(createReadStream(fx.big, { highWaterMark: 1 << 20 }), 8 * 1024 * 1024, 4));
const lbUp = await timed(() => repo.uploadFile!(fx.big, 'big.bin'));
report('azure-blob', '256 MB upload', BIG_BYTES, 1, lbUp, rawUp);
const rawDown = await timed(() => container.getBlobClient('raw/big.bin').downloadToFile(join(fx.work, 'raw-big.out')));
const lbDown = await timed(() => repo.downloadFile!('big.bin', join(fx.work, 'lb-big.out')));
report('azure-blob', '256 MB download', BIG_BYTES, 1, lbDown, rawDown);

const rawSmallUp = await timed(() =>
  forEachBounded(fx.smallNames, 8, (f) => container.getBlockBlobClient(`raw/small/${f}`).uploadFile(join(fx.smallDir, f)).then(() => undefined)),
);
const lbSmallUp = await timed(() => uploadLocalDir(repo, fx.smallDir, 'small', { concurrency: 8 }));
report('azure-blob', '1000 x 10 KB upload', SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, lbSmallUp, rawSmallUp);
mkdirSync(join(fx.work, 'raw-small'));
const rawSmallDown = await timed(() =>
  forEachBounded(fx.smallNames, 8, (f) => container.getBlobClient(`raw/small/${f}`).downloadToFile(join(fx.work, 'raw-small', f)).then(() => undefined)),
);
const lbSmallDown = await timed(() => downloadToLocal(repo, 'small', join(fx.work, 'lb-small'), { concurrency: 8 }));
report('azure-blob', '1000 x 10 KB download', SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, lbSmallDown, rawSmallDown);

await server.stop();
fx.remove();
