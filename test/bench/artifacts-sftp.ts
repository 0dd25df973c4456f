// SFTP (against a private sshd on loopback): upload and download throughput of one 256 MB file and
// of 1,000 files of 10 KB through labbook, and the same transfers with raw ssh2-sftp-client calls.
//
// The floor is the best plain ssh2-sftp-client way to do each transfer: one connection with
// TCP_NODELAY set (as labbook sets it; without it every transfer here is 1.5 to 40 times slower),
// the big file with fastPut/fastGet at labbook's settings, the small files with the fastest of
// fastPut/fastGet per file, put/get per file (both 8 at once, as labbook) and uploadDir/downloadDir.
// Each transfer runs ROUNDS times, raw and labbook alternating who goes first; the best time counts
// (the median is printed beside it: on this shared 2-core machine single runs swing by 2x).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadToLocal, forEachBounded, safeArtifactRepository, uploadLocalDir } from '@labbook/core';
import SftpClient from 'ssh2-sftp-client';
import { SftpArtifactRepository } from '../../plugins/sftp/src/index.js';
import { startSshd } from '../harness/sshd.js';
import { alternatingRounds, BIG_BYTES, makeFixture, report, SMALL_BYTES, SMALL_COUNT } from './transfer-fixture.js';

const ROUNDS = 5;
const PARALLEL_FILES = 8;
// labbook's defaults (SftpArtifactRepositoryOptions.concurrency and chunkSize).
const fast = { concurrency: 16, chunkSize: 255 * 1024 };

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
console.log(`load average at start: ${loadavg()}`);
const server = await startSshd();
const fx = await makeFixture('sftp');
const raw = new SftpClient();
await raw.connect({ host: server.host, port: server.port, username: server.user, privateKey: readFileSync(server.privateKeyPath) });
const rawSsh = (raw as unknown as { client: { setNoDelay(on: boolean): void; setMaxListeners(n: number): void } }).client;
rawSsh.setNoDelay(true);
// ssh2-sftp-client adds listeners per call: 8 calls at once pass Node's warning threshold.
rawSsh.setMaxListeners(64);
console.log(`raw floor: ssh2-sftp-client on one connection with TCP_NODELAY, ${PARALLEL_FILES} files at once for trees`);
const rawRoot = join(server.root, 'raw');
mkdirSync(rawRoot, { recursive: true });
mkdirSync(join(server.root, 'labbook'), { recursive: true });
const repo = safeArtifactRepository(
  new SftpArtifactRepository(`sftp://${server.user}@${server.host}:${server.port}${join(server.root, 'labbook')}`, {
    privateKeyPath: server.privateKeyPath,
    sshConfig: '',
  }),
);

const rounds = (variants: Parameters<typeof alternatingRounds>[1], after?: Parameters<typeof alternatingRounds>[2]) =>
  alternatingRounds(ROUNDS, variants, after);

const best = (t: number[]) => t[0]!;
const median = (t: number[]) => t[t.length >> 1]!;

/** The fastest raw variant by best time: its name and times. */
function floor(times: Record<string, number[]>): [string, number[]] {
  return Object.entries(times)
    .filter(([name]) => name !== 'labbook')
    .sort((a, b) => best(a[1]) - best(b[1]))[0]!;
}

function line(what: string, bytes: number, files: number, times: Record<string, number[]>): void {
  const [name, floorTimes] = floor(times);
  const rate = (s: number) => (files > 1 ? `${(files / s).toFixed(0)} files/s` : `${(bytes / 1024 / 1024 / s).toFixed(0)} MB/s`);
  const others = Object.entries(times)
    .filter(([n]) => n !== 'labbook' && n !== name)
    .map(([n, t]) => `${n} ${rate(best(t))}`)
    .join(', ');
  const medians = `medians: labbook ${rate(median(times.labbook!))}, raw ${rate(median(floorTimes))}, ratio ${(median(floorTimes) / median(times.labbook!)).toFixed(2)}x`;
  console.log(`  floor for ${what}: raw ${name}${others ? ` (other raw ways: ${others})` : ''}; best of ${ROUNDS} below, ${medians}`);
  report('sftp', what, bytes, files, best(times.labbook!), best(floorTimes));
}

const bigUp = await rounds({
  raw: () => raw.fastPut(fx.big, join(rawRoot, 'big.bin'), fast),
  labbook: () => repo.uploadFile!(fx.big, 'big.bin'),
});
line('256 MB upload (fastPut)', BIG_BYTES, 1, {
  labbook: bigUp.labbook!,
  [`fastPut ${fast.concurrency} x ${fast.chunkSize / 1024} KiB with TCP_NODELAY`]: bigUp.raw!,
});
const bigDown = await rounds({
  raw: () => raw.fastGet(join(rawRoot, 'big.bin'), join(fx.work, 'raw-big.out'), fast),
  labbook: () => repo.downloadFile!('big.bin', join(fx.work, 'lb-big.out')),
});
line('256 MB download (fastGet)', BIG_BYTES, 1, {
  labbook: bigDown.labbook!,
  [`fastGet ${fast.concurrency} x ${fast.chunkSize / 1024} KiB with TCP_NODELAY`]: bigDown.raw!,
});

const perFile = (task: (f: string) => Promise<unknown>) =>
  forEachBounded(fx.smallNames, PARALLEL_FILES, (f) => task(f).then(() => undefined));
const rawDir = (way: string, round: number) => {
  const dir = join(rawRoot, `${way}-${round}`);
  mkdirSync(dir);
  return dir;
};
const smallUp = await rounds({
  'fastPut per file': (round) => {
    const dir = rawDir('fastPut', round);
    return perFile((f) => raw.fastPut(join(fx.smallDir, f), join(dir, f)));
  },
  'put per file': (round) => {
    const dir = rawDir('put', round);
    return perFile((f) => raw.put(join(fx.smallDir, f), join(dir, f)));
  },
  uploadDir: (round) => raw.uploadDir(fx.smallDir, join(rawRoot, `uploadDir-${round}`)),
  labbook: (round) => uploadLocalDir(repo, fx.smallDir, `small-${round}`, { concurrency: PARALLEL_FILES }),
});
line('1000 x 10 KB upload', SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, smallUp);

const localDir = (way: string, round: number) => {
  const dir = join(fx.work, `${way}-${round}`);
  mkdirSync(dir);
  return dir;
};
const source = join(rawRoot, 'fastPut-0');
const smallDown = await rounds({
  'fastGet per file': (round) => {
    const dir = localDir('fastGet', round);
    return perFile((f) => raw.fastGet(join(source, f), join(dir, f)));
  },
  'get per file': (round) => {
    const dir = localDir('get', round);
    return perFile((f) => raw.get(join(source, f), join(dir, f)));
  },
  downloadDir: (round) => raw.downloadDir(source, localDir('downloadDir', round)),
  labbook: (round) => downloadToLocal(repo, 'small-0', join(fx.work, `lb-small-${round}`), { concurrency: PARALLEL_FILES }),
});
line('1000 x 10 KB download', SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, smallDown);

await raw.end();
await repo.close?.();
await server.stop();
fx.remove();
console.log(`load average at end: ${loadavg()}`);
