// Azure Blob (against azurite on loopback): upload and download throughput of one 256 MB file and of
// 1,000 files of 10 KB through labbook, and the same transfers with raw SDK calls as the floor.
//
// The floor is the plain @azure/storage-blob way to do each transfer: uploadStream with labbook's
// block settings for the big file, downloadToFile for it, uploadFile per small file and, for the
// tree download, a listing of the prefix then downloadToFile per file (labbook lists too: a tree's
// names are not known beforehand), 8 files at once as labbook's tree transfers. Each transfer runs
// ROUNDS times, raw and labbook alternating who goes first; the best time counts (the median is
// printed beside it: on this shared 2-core machine, where azurite itself is a Node process, single
// runs swing widely). Small-file upload rounds are deleted after timing, as azurite's in-memory store
// slows down as it fills and later runs would pay for earlier ones.
import { createReadStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { downloadToLocal, forEachBounded, safeArtifactRepository, uploadLocalDir } from '@labbook/core';
import { AzureBlobArtifactRepository } from '../../plugins/azure-blob/src/index.js';
import { startAzurite } from '../harness/azurite.js';
import { alternatingRounds, BIG_BYTES, makeFixture, report, SMALL_BYTES, SMALL_COUNT } from './transfer-fixture.js';

const ROUNDS = 5;
const PARALLEL_FILES = 8;

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
console.log(`load average at start: ${loadavg()}`);
const server = await startAzurite();
const fx = await makeFixture('azure');
const container = BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient('bench');
await container.createIfNotExists();
const repo = safeArtifactRepository(
  new AzureBlobArtifactRepository('wasbs://bench@devstoreaccount1.blob.core.windows.net/labbook', {
    connectionString: server.connectionString,
  }),
);

const rounds = (variants: Parameters<typeof alternatingRounds>[1], after?: Parameters<typeof alternatingRounds>[2]) =>
  alternatingRounds(ROUNDS, variants, after);

const best = (t: number[]) => t[0]!;
const median = (t: number[]) => t[t.length >> 1]!;

function line(what: string, floorName: string, bytes: number, files: number, times: Record<string, number[]>): void {
  const rate = (s: number) => (files > 1 ? `${(files / s).toFixed(0)} files/s` : `${(bytes / 1024 / 1024 / s).toFixed(0)} MB/s`);
  const lb = times.labbook!;
  const raw = times.raw!;
  console.log(
    `  floor for ${what}: raw ${floorName}; best of ${ROUNDS} below, medians: labbook ${rate(median(lb))}, raw ${rate(median(raw))}, ratio ${(median(raw) / median(lb)).toFixed(2)}x`,
  );
  report('azure-blob', what, bytes, files, best(lb), best(raw));
}

const bigUp = await rounds({
  raw: () =>
    container.getBlockBlobClient('raw/big.bin').uploadStream(createReadStream(fx.big, { highWaterMark: 1 << 20 }), 8 * 1024 * 1024, 4),
  labbook: () => repo.uploadFile!(fx.big, 'big.bin'),
});
line('256 MB upload', 'uploadStream, 8 MiB blocks, 4 at once', BIG_BYTES, 1, bigUp);
const bigDown = await rounds({
  raw: () => container.getBlobClient('raw/big.bin').downloadToFile(join(fx.work, 'raw-big.out')),
  labbook: () => repo.downloadFile!('big.bin', join(fx.work, 'lb-big.out')),
});
line('256 MB download', 'downloadToFile', BIG_BYTES, 1, bigDown);

const perFile = (task: (f: string) => Promise<unknown>) =>
  forEachBounded(fx.smallNames, PARALLEL_FILES, (f) => task(f).then(() => undefined));
const smallUp = await rounds(
  {
    raw: (round) => perFile((f) => container.getBlockBlobClient(`raw/small-${round}/${f}`).uploadFile(join(fx.smallDir, f))),
    labbook: (round) => uploadLocalDir(repo, fx.smallDir, `small-${round}`, { concurrency: PARALLEL_FILES }),
  },
  // Round 0 stays for the downloads.
  (name, round) =>
    round === 0 ? Promise.resolve() : perFile((f) => container.deleteBlob(`${name === 'raw' ? 'raw' : 'labbook'}/small-${round}/${f}`)),
);
line('1000 x 10 KB upload', `uploadFile per file, ${PARALLEL_FILES} at once`, SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, smallUp);
const localDir = (way: string, round: number) => {
  const dir = join(fx.work, `${way}-${round}`);
  mkdirSync(dir);
  return dir;
};
const smallDown = await rounds({
  raw: async (round) => {
    const dir = localDir('raw-small', round);
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: 'raw/small-0/' })) names.push(blob.name);
    return forEachBounded(names, PARALLEL_FILES, (name) =>
      container
        .getBlobClient(name)
        .downloadToFile(join(dir, name.slice('raw/small-0/'.length)))
        .then(() => undefined),
    );
  },
  labbook: (round) => downloadToLocal(repo, 'small-0', join(fx.work, `lb-small-${round}`), { concurrency: PARALLEL_FILES }),
});
line(
  '1000 x 10 KB download',
  `listBlobsFlat, then downloadToFile per file, ${PARALLEL_FILES} at once`,
  SMALL_COUNT * SMALL_BYTES,
  SMALL_COUNT,
  smallDown,
);

await server.stop();
fx.remove();
console.log(`load average at end: ${loadavg()}`);
