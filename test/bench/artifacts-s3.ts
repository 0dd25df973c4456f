// S3 (against s3rver on loopback): upload and download throughput of one 256 MB file and of 1,000
// files of 10 KB through labbook, and the same transfers with raw SDK calls as the floor.
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { downloadToLocal, forEachBounded, safeArtifactRepository, uploadLocalDir } from '@labbook/core';
import { S3ArtifactRepository } from '../../plugins/s3/src/index.js';
import { startS3rver } from '../harness/s3rver.js';
import { BIG_BYTES, makeFixture, report, SMALL_BYTES, SMALL_COUNT, timed } from './transfer-fixture.js';

const server = await startS3rver();
const fx = await makeFixture('s3');
const client = new S3Client({
  endpoint: server.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: server.credentials,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const repo = safeArtifactRepository(
  new S3ArtifactRepository(`s3://${server.bucket}/labbook`, { endpoint: server.endpoint, credentials: server.credentials }),
);
const get = async (key: string, to: string) => {
  const r = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  await pipeline(r.Body as NodeJS.ReadableStream, createWriteStream(to));
};

const rawUp = await timed(() =>
  new Upload({
    client,
    queueSize: 4,
    partSize: 8 * 1024 * 1024,
    params: { Bucket: server.bucket, Key: 'raw/big.bin', Body: createReadStream(fx.big, { highWaterMark: 1 << 20 }) },
  }).done(),
);
const lbUp = await timed(() => repo.uploadFile!(fx.big, 'big.bin'));
report('s3', '256 MB upload', BIG_BYTES, 1, lbUp, rawUp);
const rawDown = await timed(() => get('raw/big.bin', join(fx.work, 'raw-big.out')));
const lbDown = await timed(() => repo.downloadFile!('big.bin', join(fx.work, 'lb-big.out')));
report('s3', '256 MB download', BIG_BYTES, 1, lbDown, rawDown);

const rawSmallUp = await timed(() =>
  forEachBounded(fx.smallNames, 8, (f) =>
    client
      .send(
        new PutObjectCommand({
          Bucket: server.bucket,
          Key: `raw/small/${f}`,
          Body: createReadStream(join(fx.smallDir, f)),
          ContentLength: SMALL_BYTES,
        }),
      )
      .then(() => undefined),
  ),
);
const lbSmallUp = await timed(() => uploadLocalDir(repo, fx.smallDir, 'small', { concurrency: 8 }));
report('s3', '1000 x 10 KB upload', SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, lbSmallUp, rawSmallUp);
mkdirSync(join(fx.work, 'raw-small'));
const rawSmallDown = await timed(() => forEachBounded(fx.smallNames, 8, (f) => get(`raw/small/${f}`, join(fx.work, 'raw-small', f))));
const lbSmallDown = await timed(() => downloadToLocal(repo, 'small', join(fx.work, 'lb-small'), { concurrency: 8 }));
report('s3', '1000 x 10 KB download', SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, lbSmallDown, rawSmallDown);

client.destroy();
await repo.close?.();
await server.stop();
fx.remove();
