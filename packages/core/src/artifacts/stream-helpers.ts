import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline as pipelineCallback, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TransferProgress } from '../interfaces/artifact-repository.js';

/**
 * Passes a stream through unchanged, reporting bytes as the consumer reads them (for repositories
 * whose SDK has no progress callback on streamed reads or writes). Without a callback the stream
 * is returned as is. Errors and early destruction travel both ways between the two streams.
 */
export function withProgress(
  stream: Readable,
  path: string,
  bytesTotal: number | undefined,
  onProgress: ((p: TransferProgress) => void) | undefined,
  options: { highWaterMark?: number } = {},
): Readable {
  if (!onProgress) return stream;
  let bytesDone = 0;
  const report = () => onProgress({ path, bytesDone, ...(bytesTotal !== undefined ? { bytesTotal } : {}) });
  // Counted in a Transform, not by a 'data' listener: a listener starts the flow at once, and what
  // arrives before the caller attaches its own consumer would be counted but never reach it.
  const counter = new Transform({
    ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
    transform(chunk: Buffer, _encoding, done) {
      bytesDone += chunk.length;
      report();
      done(null, chunk);
    },
    flush(done) {
      report();
      done();
    },
  });
  // The error, if any, reaches the caller through `counter`, which pipeline destroys with it.
  pipelineCallback(stream, counter, () => {});
  return counter;
}

/**
 * Writes a stream to `localFile` through a `.labbook-partial` file renamed into place at the end, so
 * a failed download never leaves a truncated file under the final name.
 */
export async function writeFileFromStream(open: () => Promise<Readable>, localFile: string): Promise<void> {
  const partial = `${localFile}.labbook-partial`;
  try {
    await pipeline(await open(), createWriteStream(partial));
    await rename(partial, localFile);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
