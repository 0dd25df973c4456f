import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TransferProgress } from '../interfaces/artifact-repository.js';

/**
 * Passes a download stream through unchanged, reporting bytes as they go (for repositories whose SDK
 * has no progress callback on streamed reads). Without a callback the stream is returned as is.
 */
export function withProgress(
  stream: Readable,
  path: string,
  bytesTotal: number | undefined,
  onProgress: ((p: TransferProgress) => void) | undefined,
): Readable {
  if (!onProgress) return stream;
  let bytesDone = 0;
  const counter = new PassThrough();
  counter.on('data', (chunk: Buffer) => {
    bytesDone += chunk.length;
    onProgress({ path, bytesDone, ...(bytesTotal !== undefined ? { bytesTotal } : {}) });
  });
  stream.on('error', (e) => counter.destroy(e));
  return stream.pipe(counter);
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
