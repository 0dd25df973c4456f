// S3 (against s3rver on loopback): upload and download throughput of one 256 MB file and of 1,000
// files of 10 KB through labbook, and the same transfers with raw SDK calls as the floor.
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { downloadToLocal, forEachBounded, safeArtifactRepository, uploadLocalDir } from '@labbook/core';
import { S3ArtifactRepository } from '../../plugins/s3/src/index.js';
import { startS3rver } from '../harness/s3rver.js';

const server = await startS3rver();
const work = mkdtempSync(join(tmpdir(), 'labbook-bench-s3-'));
const big = join(work, 'big.bin');
const BIG = 256 * 1024 * 1024;
const chunk = Buffer.alloc(1024 * 1024, 7);
const fd = createWriteStream(big);
for (let i = 0; i < BIG / chunk.length; i++) fd.write(chunk);
await new Promise((r) => fd.end(r));
const small = join(work, 'small');
mkdirSync(small);
for (let i = 0; i < 1000; i++) writeFileSync(join(small, `f${i}.bin`), Buffer.alloc(10 * 1024, i % 251));

const client = new S3Client({
  endpoint: server.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: server.credentials,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const repo = safeArtifactRepository(new S3ArtifactRepository(`s3://${server.bucket}/labbook`, { endpoint: server.endpoint, credentials: server.credentials }));

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}
const mbps = (bytes: number, s: number) => (bytes / 1024 / 1024 / s).toFixed(0);

const rawBigUp = await timed(() =>
  new Upload({ client, queueSize: 4, partSize: 8 * 1024 * 1024, params: { Bucket: server.bucket, Key: 'raw/big.bin', Body: createReadStream(big, { highWaterMark: 1 << 20 }) } }).done(),
);
const lbBigUp = await timed(() => repo.uploadFile!(big, 'big.bin'));
const rawBigDown = await timed(async () => {
  const r = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'raw/big.bin' }));
  await pipeline(r.Body as NodeJS.ReadableStream, createWriteStream(join(work, 'raw-big.out')));
});
const lbBigDown = await timed(() => repo.downloadFile!('big.bin', join(work, 'lb-big.out')));
console.log(`s3 256 MB upload:   labbook ${mbps(BIG, lbBigUp)} MB/s, raw SDK ${mbps(BIG, rawBigUp)} MB/s, ratio ${(rawBigUp / lbBigUp).toFixed(2)}x`);
console.log(`s3 256 MB download: labbook ${mbps(BIG, lbBigDown)} MB/s, raw SDK ${mbps(BIG, rawBigDown)} MB/s, ratio ${(rawBigDown / lbBigDown).toFixed(2)}x`);

const files = Array.from({ length: 1000 }, (_, i) => `f${i}.bin`);
const rawSmallUp = await timed(() =>
  forEachBounded(files, 8, (f) =>
    client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `raw/small/${f}`, Body: createReadStream(join(small, f)), ContentLength: 10 * 1024 })).then(() => undefined),
  ),
);
const lbSmallUp = await timed(() => uploadLocalDir(repo, small, 'small', { concurrency: 8 }));
const rawSmallDown = await timed(() =>
  forEachBounded(files, 8, async (f) => {
    const r = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: `raw/small/${f}` }));
    mkdirSync(join(work, 'raw-small'), { recursive: true });
    await pipeline(r.Body as NodeJS.ReadableStream, createWriteStream(join(work, 'raw-small', f)));
  }),
);
const lbSmallDown = await timed(() => downloadToLocal(repo, 'small', join(work, 'lb-small'), { concurrency: 8 }));
const SMALL = 1000 * 10 * 1024;
console.log(`s3 1000 x 10 KB upload:   labbook ${(1000 / lbSmallUp).toFixed(0)} files/s (${mbps(SMALL, lbSmallUp)} MB/s), raw SDK ${(1000 / rawSmallUp).toFixed(0)} files/s, ratio ${(rawSmallUp / lbSmallUp).toFixed(2)}x`);
console.log(`s3 1000 x 10 KB download: labbook ${(1000 / lbSmallDown).toFixed(0)} files/s (${mbps(SMALL, lbSmallDown)} MB/s), raw SDK ${(1000 / rawSmallDown).toFixed(0)} files/s, ratio ${(rawSmallDown / lbSmallDown).toFixed(2)}x`);

client.destroy();
await repo.close?.();
await server.stop();
rmSync(work, { recursive: true, force: true });
