import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { finished, type Readable } from 'node:stream';
import {
  type ArtifactBody,
  type ArtifactRepository,
  artifactBodyStream,
  type FileInfo,
  LabbookError,
  notFound,
  type TransferOptions,
  withProgress,
} from '@labbook/core/plugin';
import type SftpClient from 'ssh2-sftp-client';
import { MSG } from './constants.js';
import { readLocalIfSmall, renameLocal, writeLocalFile } from './local-files.js';
import { RootGuard } from './root-guard.js';
import { type FastTransferOptions, SftpChannel } from './sftp-channel.js';
import type { SftpArtifactRepositoryOptions } from './options.js';
import { onConnectionClosed, openSftpClient, type Refable, sshSocket } from './sftp-connection.js';
import { isMissing, sftpError } from './errors.js';
import { parseSftpUri, type SftpLocation } from './uri.js';
import { readIfSmall, writeNewFile } from './whole-file-io.js';

const STREAM_BUFFER = 1024 * 1024;

interface Connection {
  client: SftpClient;
  channel: SftpChannel;
}

/**
 * Artifacts in a folder of an SFTP server (`sftp://user@host:port/path`). Files are written under a
 * temporary name and renamed into place, so an interrupted upload never leaves a complete-looking
 * file; small local files move in a few pipelined requests and large ones through ssh2's parallel
 * fast paths (`fastPut`/`fastGet`); every path is checked to stay under the root, through symlinks
 * too. Folders are checked (and created) once per tree, not once per file.
 */
export class SftpArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly root: string;
  private readonly location: SftpLocation;
  private readonly options: SftpArtifactRepositoryOptions;
  private readonly guard: RootGuard;
  private connection: Promise<Connection> | undefined;
  /** Operations in progress (including returned streams not yet finished). */
  private active = 0;
  /** The TCP socket of the connection this repository opened (never a caller's `client`). */
  private socket: Refable | undefined;
  private readonly tempPrefix = randomBytes(6).toString('hex');
  private tempCount = 0;

  constructor(uri: string, options: SftpArtifactRepositoryOptions = {}) {
    this.location = parseSftpUri(uri);
    this.root = this.location.root;
    this.rootUri = uri.replace(/\/+$/, '');
    this.options = options;
    this.guard = new RootGuard(this.root);
  }

  private secrets(): string[] {
    return [this.location.password ?? '', this.options.password ?? '', this.options.passphrase ?? ''].filter(Boolean);
  }

  private connect(): Promise<Connection> {
    if (!this.connection) {
      const pending = (async (): Promise<Connection> => {
        if (this.options.client) return { client: this.options.client, channel: new SftpChannel(this.options.client) };
        const client = await openSftpClient(this.location, this.options, this.secrets());
        const socket = sshSocket(client);
        this.socket = socket;
        this.holdLoop();
        // A dropped connection is opened again by the next call instead of failing every later one.
        onConnectionClosed(client, () => {
          if (this.connection === pending) this.connection = undefined;
          if (this.socket === socket) this.socket = undefined;
        });
        return { client, channel: new SftpChannel(client) };
      })();
      this.connection = pending;
      pending.catch(() => {
        if (this.connection === pending) this.connection = undefined;
      });
    }
    return this.connection;
  }

  /**
   * The socket keeps the event loop alive only while an operation is in progress, so a script that
   * never calls `close()` (as with MLflow) still exits; an idle connection stays open for the next
   * call, and one the server dropped meanwhile is reopened by {@link connect}.
   */
  private holdLoop(): void {
    if (this.active > 0) this.socket?.ref();
    else this.socket?.unref();
  }

  /** Counts an operation from its start (before connecting) until it settles. */
  private begin(): () => void {
    this.active++;
    this.holdLoop();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.active--;
      this.holdLoop();
    };
  }

  private async busy<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    const end = this.begin();
    try {
      return await fn(await this.connect());
    } finally {
      end();
    }
  }

  private fast(path: string, options: TransferOptions): FastTransferOptions {
    return {
      concurrency: this.options.concurrency ?? 16,
      chunkSize: this.chunkSize(),
      step: (done, _chunk, total) => options.onProgress?.({ path, bytesDone: done, bytesTotal: total }),
    };
  }

  private chunkSize(): number {
    return this.options.chunkSize ?? 255 * 1024;
  }

  private smallFileBytes(): number {
    return this.options.smallFileBytes ?? 1024 * 1024;
  }

  /** The remote path of a repository path, checked to stay under the root. */
  remote(path: string): string {
    return this.guard.remote(path);
  }

  private describe(remote: string): string {
    return `sftp://${this.location.host}${remote}`;
  }

  private tempName(remote: string): string {
    // Unique per repository instance by the counter, across processes by the random prefix.
    this.tempCount++;
    return posix.join(posix.dirname(remote), `.${posix.basename(remote)}.labbook-tmp-${this.tempPrefix}${this.tempCount.toString(36)}`);
  }

  // Uploads write a temporary file and rename it over the final name, which replaces a symlink there
  // rather than writing through it: only the folder has to be inside the root.
  async put(path: string, body: ArtifactBody, options: TransferOptions = {}): Promise<void> {
    return this.busy(async ({ client, channel }) => {
      const remote = this.remote(path);
      const temp = this.tempName(remote);
      try {
        await this.guard.folder(client, channel, posix.dirname(remote));
        const source = withProgress(artifactBodyStream(body), path, options.size, options.onProgress, { highWaterMark: STREAM_BUFFER });
        await client.put(source, temp, { writeStreamOptions: { highWaterMark: STREAM_BUFFER } as never });
        await channel.replace(temp, remote);
      } catch (error) {
        await channel.unlink(temp).catch(() => undefined);
        throw sftpError('upload to', this.describe(remote), error, this.secrets());
      }
    });
  }

  async get(path: string, options: Pick<TransferOptions, 'signal' | 'onProgress'> = {}): Promise<Readable> {
    // The body is read after this returns: the operation lasts until the stream is done with.
    const end = this.begin();
    try {
      const stream = await this.openRead(path, options);
      finished(stream, end);
      return stream;
    } catch (error) {
      end();
      throw error;
    }
  }

  private async openRead(path: string, options: Pick<TransferOptions, 'signal' | 'onProgress'>): Promise<Readable> {
    const { client, channel } = await this.connect();
    const remote = this.remote(path);
    let size: number;
    try {
      const attrs = await this.guard.existing(channel, remote);
      if (!attrs?.isFile()) throw notFound(`${MSG} no artifact file at ${this.describe(remote)}`);
      size = attrs.size;
    } catch (error) {
      if (LabbookError.is(error)) throw error;
      throw sftpError('download of', this.describe(remote), error, this.secrets());
    }
    const stream = client.createReadStream(remote, { highWaterMark: STREAM_BUFFER } as never) as Readable;
    return withProgress(stream, path, size, options.onProgress);
  }

  async list(path = ''): Promise<FileInfo[]> {
    return this.busy(async ({ client, channel }) => {
      const remote = this.remote(path);
      try {
        const attrs = await this.guard.existing(channel, remote);
        if (!attrs?.isDirectory()) return [];
        const entries = await client.list(remote);
        return entries
          .filter((e) => !e.name.includes('.labbook-tmp-'))
          .map((e): FileInfo => {
            const rel = path === '' ? e.name : `${path}/${e.name}`;
            return e.type === 'd' ? { path: rel, isDir: true } : { path: rel, isDir: false, fileSize: e.size };
          })
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      } catch (error) {
        if (LabbookError.is(error)) throw error;
        throw sftpError('listing of', this.describe(remote), error, this.secrets());
      }
    });
  }

  async delete(path = ''): Promise<void> {
    return this.busy(async ({ client, channel }) => {
      const remote = this.remote(path);
      this.guard.forget();
      try {
        const attrs = await this.guard.existing(channel, remote);
        if (attrs === undefined) return;
        if (!attrs.isDirectory()) {
          await channel.unlink(remote);
          return;
        }
        if (remote === this.root) {
          for (const e of await client.list(remote)) {
            const child = posix.join(remote, e.name);
            if (e.type === 'd') await client.rmdir(child, true);
            else await channel.unlink(child);
          }
        } else await client.rmdir(remote, true);
      } catch (error) {
        if (LabbookError.is(error)) throw error;
        throw sftpError('delete of', this.describe(remote), error, this.secrets());
      }
    });
  }

  async uploadFile(localFile: string, path: string, options: TransferOptions = {}): Promise<void> {
    return this.busy(async ({ client, channel }) => {
      const remote = this.remote(path);
      const temp = this.tempName(remote);
      try {
        // The local file first: a missing one must not leave new remote folders behind.
        const read = await readLocalIfSmall(localFile, this.smallFileBytes());
        await this.guard.folder(client, channel, posix.dirname(remote));
        if (await writeNewFile(channel, temp, async () => read.data, Math.min(this.chunkSize(), channel.maxWriteLength))) {
          options.onProgress?.({ path, bytesDone: read.size, bytesTotal: read.size });
        } else await channel.fastPut(localFile, temp, this.fast(path, options));
        await channel.replace(temp, remote);
      } catch (error) {
        await channel.unlink(temp).catch(() => undefined);
        throw sftpError('upload to', this.describe(remote), error, this.secrets());
      }
    });
  }

  async downloadFile(path: string, localFile: string, options: TransferOptions = {}): Promise<void> {
    return this.busy(async ({ channel }) => {
      const remote = this.remote(path);
      const partial = `${localFile}.labbook-partial`;
      try {
        // The containment check and the open travel together; nothing is read before both are back.
        const [real, opened] = await Promise.allSettled([channel.realpath(remote), channel.open(remote, 'r')]);
        if (opened.status === 'rejected') throw opened.reason;
        const handle = opened.value;
        let closing: Promise<void> | undefined;
        try {
          if (real.status === 'rejected') throw real.reason;
          await this.guard.assertInside(channel, real.value);
          const { attrs, data } = await readIfSmall(channel, handle, this.smallFileBytes(), this.chunkSize());
          if (!attrs.isFile()) throw notFound(`${MSG} no artifact file at ${this.describe(remote)}`);
          // The handle closes while the local file is written; a failed close of a read loses nothing.
          closing = channel.close(handle).catch(() => undefined);
          if (data) {
            await writeLocalFile(partial, data);
            options.onProgress?.({ path, bytesDone: data.length, bytesTotal: data.length });
          } else await channel.fastGet(remote, partial, this.fast(path, options));
        } finally {
          await (closing ?? channel.close(handle).catch(() => undefined));
        }
        await renameLocal(partial, localFile);
      } catch (error) {
        await rm(partial, { force: true });
        if (LabbookError.is(error)) throw error;
        if (isMissing(error)) throw notFound(`${MSG} no artifact at ${this.describe(remote)}`, { cause: error });
        throw sftpError('download of', this.describe(remote), error, this.secrets());
      }
    });
  }

  async close(): Promise<void> {
    if (!this.connection || this.options.client) return;
    const connection = await this.connection.catch(() => undefined);
    this.connection = undefined;
    await connection?.client.end().catch(() => undefined);
  }
}
