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
 * Writes the bytes `read` gives to the remote file `path`, which must not exist yet (opened
 * exclusively, so nothing already at that name, symlink included, is written through). The local
 * read runs beside the remote open, and the close is sent right behind the writes: the SFTP draft
 * has a server process requests on one file in the order received, and each write here is a single
 * request (at most `maxWrite` bytes), so nothing of the file can arrive after the close. A failed
 * write still fails the whole call. When `read` gives nothing (the file is too large to hold), the
 * new remote file is left empty and closed, and the result is false.
 */
export async function writeNewFile(
  channel: SftpChannel,
  path: string,
  read: () => Promise<Buffer | undefined>,
  maxWrite: number,
): Promise<boolean> {
  const [opened, data] = await Promise.allSettled([channel.open(path, 'wx'), read()]);
  if (opened.status === 'rejected') throw opened.reason;
  const handle = opened.value;
  if (data.status === 'rejected' || data.value === undefined) {
    await channel.close(handle).catch(() => undefined);
    if (data.status === 'rejected') throw data.reason;
    return false;
  }
  const bytes = data.value;
  const writes = chunksOf(bytes.length, maxWrite).map((c) => channel.write(handle, bytes, c.offset, c.length, c.offset));
  const results = await Promise.allSettled([...writes, channel.close(handle)]);
  const failure = firstRejection(results);
  if (failure) throw failure.reason;
  return true;
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
