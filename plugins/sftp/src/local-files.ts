import { close, fstat, open, read, rename, writeFile } from 'node:fs';
import { promisify } from 'node:util';

// The callback forms of fs, promisified: per small file they cost less CPU than fs/promises, whose
// FileHandle objects showed up in profiles of 1,000-file trees.
const openFd = promisify(open);
const fstatFd = promisify(fstat);
const readFd = promisify(read);
const closeFd = promisify(close);

/** Writes a whole local file. */
export const writeLocalFile = promisify(writeFile);
/** Renames a local file (replacing the target). */
export const renameLocal = promisify(rename);

/** A local file read whole when it is small: its size, and its bytes when at most the limit. */
export interface LocalRead {
  size: number;
  data?: Buffer;
}

/**
 * Reads a local file whole if it holds at most `limit` bytes: one open, fstat, read and close (a
 * stat followed by readFile would cost one more trip through libuv's thread pool per file).
 */
export async function readLocalIfSmall(path: string, limit: number): Promise<LocalRead> {
  const fd = await openFd(path, 'r');
  try {
    const { size } = await fstatFd(fd);
    if (size > limit) return { size };
    const data = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await readFd(fd, data, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { size: got, data: got === size ? data : data.subarray(0, got) };
  } finally {
    await closeFd(fd);
  }
}
