import type { SftpAttributes, SftpChannel } from './sftp-channel.js';

// Small files move in a few pipelined requests instead of ssh2's fastPut/fastGet, which spend extra
// round trips on a local open/fstat and (in ssh2-sftp-client) an lstat before every file.

function chunksOf(length: number, chunkSize: number): Array<{ offset: number; length: number }> {
  const out: Array<{ offset: number; length: number }> = [];
  for (let offset = 0; offset < length; offset += chunkSize) out.push({ offset, length: Math.min(chunkSize, length - offset) });
  return out;
}

function firstRejection(results: PromiseSettledResult<unknown>[]): { reason: unknown } | undefined {
  for (const r of results) if (r.status === 'rejected') return { reason: r.reason };
  return undefined;
}

/**
 * Writes `data` to the remote file `path`, which must not exist yet (opened exclusively, so nothing
 * already at that name, symlink included, is written through). All chunks are in flight at once; the
 * handle is closed even when a write fails.
 */
export async function writeNewFile(channel: SftpChannel, path: string, data: Buffer, chunkSize: number): Promise<void> {
  const handle = await channel.open(path, 'wx');
  const writes = await Promise.allSettled(chunksOf(data.length, chunkSize).map((c) => channel.write(handle, data, c.offset, c.length, c.offset)));
  const closed = await Promise.allSettled([channel.close(handle)]);
  const failure = firstRejection(writes) ?? firstRejection(closed);
  if (failure) throw failure.reason;
}

async function readFully(channel: SftpChannel, handle: Buffer, buffer: Buffer, offset: number, length: number): Promise<number> {
  let got = 0;
  while (got < length) {
    // SFTP allows short reads; 0 means end of file.
    const n = await channel.read(handle, buffer, offset + got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * Reads `buffer.length - from` bytes into `buffer` from the same offset of an open remote file, all
 * chunks in flight at once. Returns how many bytes from the start of `buffer` hold file data: less
 * than its length when the file is shorter (it shrank meanwhile).
 */
async function readRange(channel: SftpChannel, handle: Buffer, buffer: Buffer, from: number, chunkSize: number): Promise<number> {
  const chunks = chunksOf(buffer.length - from, chunkSize).map((c) => ({ offset: c.offset + from, length: c.length }));
  const counts = await Promise.all(chunks.map((c) => readFully(channel, handle, buffer, c.offset, c.length)));
  let total = from;
  for (const [i, c] of chunks.entries()) {
    total += counts[i]!;
    if (counts[i]! < c.length) break;
  }
  return total;
}

/** The first read of a download, sent with the fstat: most artifacts are smaller than this. */
const FIRST_READ_BYTES = 64 * 1024;

/** What {@link readIfSmall} found: the file's attributes, and its contents if it is a small file. */
export interface SmallRead {
  attrs: SftpAttributes;
  data?: Buffer;
}

/**
 * Reads an open remote file whole when it is a regular file of at most `limit` bytes. The fstat and
 * the first read travel together, so a small file costs one round trip after the open; the rest of a
 * larger one follows with all chunks in flight at once.
 */
export async function readIfSmall(channel: SftpChannel, handle: Buffer, limit: number, chunkSize: number): Promise<SmallRead> {
  const first = Buffer.allocUnsafe(Math.max(1, Math.min(FIRST_READ_BYTES, limit)));
  const [attrs, head] = await Promise.allSettled([channel.fstat(handle), channel.read(handle, first, 0, first.length, 0)]);
  if (attrs.status === 'rejected') throw attrs.reason;
  // A folder's handle cannot be read: its read error does not matter, it is no file.
  if (!attrs.value.isFile() || attrs.value.size > limit) return { attrs: attrs.value };
  if (head.status === 'rejected') throw head.reason;
  if (head.value >= attrs.value.size) return { attrs: attrs.value, data: first.subarray(0, head.value) };
  const whole = Buffer.allocUnsafe(attrs.value.size);
  first.copy(whole, 0, 0, head.value);
  const length = await readRange(channel, handle, whole, head.value, chunkSize);
  return { attrs: attrs.value, data: length === whole.length ? whole : whole.subarray(0, length) };
}
