// SFTP (against a private sshd on loopback): upload and download throughput of one 256 MB file and
// of 1,000 files of 10 KB through labbook, and the same transfers with raw ssh2-sftp-client calls.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadToLocal, forEachBounded, safeArtifactRepository, uploadLocalDir } from '@labbook/core';
import SftpClient from 'ssh2-sftp-client';
import { SftpArtifactRepository } from '../../plugins/sftp/src/index.js';
import { startSshd } from '../harness/sshd.js';
import { BIG_BYTES, makeFixture, report, SMALL_BYTES, SMALL_COUNT, timed } from './transfer-fixture.js';

const server = await startSshd();
const fx = await makeFixture('sftp');
const raw = new SftpClient();
await raw.connect({ host: server.host, port: server.port, username: server.user, privateKey: readFileSync(server.privateKeyPath) });
mkdirSync(join(server.root, 'raw', 'small'), { recursive: true });
mkdirSync(join(server.root, 'labbook'), { recursive: true });
const repo = safeArtifactRepository(
  new SftpArtifactRepository(`sftp://${server.user}@${server.host}:${server.port}${join(server.root, 'labbook')}`, { privateKeyPath: server.privateKeyPath, sshConfig: '' }),
);
const fast = { concurrency: 64, chunkSize: 32768 };

const rawUp = await timed(() => raw.fastPut(fx.big, join(server.root, 'raw', 'big.bin'), fast));
const lbUp = await timed(() => repo.uploadFile!(fx.big, 'big.bin'));
report('sftp', '256 MB upload (fastPut)', BIG_BYTES, 1, lbUp, rawUp);
const rawDown = await timed(() => raw.fastGet(join(server.root, 'raw', 'big.bin'), join(fx.work, 'raw-big.out'), fast));
const lbDown = await timed(() => repo.downloadFile!('big.bin', join(fx.work, 'lb-big.out')));
report('sftp', '256 MB download (fastGet)', BIG_BYTES, 1, lbDown, rawDown);

const rawSmallUp = await timed(() => forEachBounded(fx.smallNames, 8, (f) => raw.fastPut(join(fx.smallDir, f), join(server.root, 'raw', 'small', f)).then(() => undefined)));
const lbSmallUp = await timed(() => uploadLocalDir(repo, fx.smallDir, 'small', { concurrency: 8 }));
report('sftp', '1000 x 10 KB upload', SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, lbSmallUp, rawSmallUp);
mkdirSync(join(fx.work, 'raw-small'));
const rawSmallDown = await timed(() =>
  forEachBounded(fx.smallNames, 8, (f) => raw.fastGet(join(server.root, 'raw', 'small', f), join(fx.work, 'raw-small', f)).then(() => undefined)),
);
const lbSmallDown = await timed(() => downloadToLocal(repo, 'small', join(fx.work, 'lb-small'), { concurrency: 8 }));
report('sftp', '1000 x 10 KB download', SMALL_COUNT * SMALL_BYTES, SMALL_COUNT, lbSmallDown, rawSmallDown);

await raw.end();
await repo.close?.();
await server.stop();
fx.remove();
