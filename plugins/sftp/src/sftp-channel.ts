import type SftpClient from 'ssh2-sftp-client';
import { LabbookError } from '@labbook/core/plugin';
import { MSG } from './constants.js';

/** File attributes as ssh2 reports them. */
export interface SftpAttributes {
  size: number;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

/** ssh2's fast-path transfer settings. */
export interface FastTransferOptions {
  concurrency: number;
  chunkSize: number;
  step?: (done: number, chunk: number, total: number) => void;
}

/** A write size below every limit ssh2 sets (its smallest, for unknown servers, is 34000 - 2048). */
const MIN_WRITE_LENGTH = 16 * 1024;

type Callback<T> = (error: Error | null | undefined, value: T) => void;

/**
 * The part of ssh2's SFTP channel (`SFTPWrapper`, which ssh2-sftp-client keeps as `client.sftp`)
 * that this plugin calls directly. ssh2-sftp-client adds an `lstat` before every `fastGet` and
 * event listeners around every call; the hot paths of many-file transfers skip both.
 */
interface Ssh2Sftp {
  /** Internal to ssh2, read-only here: see {@link SftpChannel.maxWriteLength}. */
  readonly _maxWriteLen?: number;
  open(path: string, flags: string, cb: Callback<Buffer>): void;
  close(handle: Buffer, cb: (error?: Error | null) => void): void;
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, cb: Callback<number>): void;
  write(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, cb: (error?: Error | null) => void): void;
  fstat(handle: Buffer, cb: Callback<SftpAttributes>): void;
  stat(path: string, cb: Callback<SftpAttributes>): void;
  lstat(path: string, cb: Callback<SftpAttributes>): void;
  realpath(path: string, cb: Callback<string>): void;
  mkdir(path: string, cb: (error?: Error | null) => void): void;
  unlink(path: string, cb: (error?: Error | null) => void): void;
  rename(from: string, to: string, cb: (error?: Error | null) => void): void;
  ext_openssh_rename(from: string, to: string, cb: (error?: Error | null) => void): void;
  fastPut(localPath: string, remotePath: string, options: FastTransferOptions, cb: (error?: Error | null) => void): void;
  fastGet(remotePath: string, localPath: string, options: FastTransferOptions, cb: (error?: Error | null) => void): void;
}

/**
 * The SSH connection under a channel ended. Its `code` is what Node gives a reset socket, so
 * `sftpError` reports it as TEMPORARILY_UNAVAILABLE with the operation and path.
 */
export class SftpConnectionClosedError extends Error {
  readonly code = 'ECONNRESET';

  constructor() {
    super('the SSH connection closed');
    this.name = 'SftpConnectionClosedError';
  }
}

interface Emitter {
  once(event: string, listener: () => void): unknown;
}

/** The TCP socket under ssh2's client (its `_sock`). */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Promise-returning SFTP requests on one channel. Requests are not serialised: callers may have many
 * in flight, which is how round trips overlap.
 */
export class SftpChannel {
  private readonly sftp: Ssh2Sftp;
  private closed = false;
  /** Rejections of the requests in flight. */
  private readonly pending = new Set<(error: Error) => void>();
  private readonly socket?: Corkable;
  private corked = false;

  /** The channel of a connected ssh2-sftp-client instance. */
  constructor(client: SftpClient) {
    const { sftp, client: ssh } = client as unknown as {
      sftp?: Ssh2Sftp & Partial<Emitter>;
      client?: Emitter & { _sock?: Partial<Corkable> };
    };
    if (!sftp) throw new LabbookError('TEMPORARILY_UNAVAILABLE', `${MSG} the SFTP client is not connected`);
    this.sftp = sftp;
    const socket = ssh?._sock;
    if (typeof socket?.cork === 'function' && typeof socket.uncork === 'function') this.socket = socket as Corkable;
    // ssh2 never answers a request sent after the socket ended, nor always one in flight then:
    // fail them, and every later one, instead of waiting forever.
    const gone = () => this.fail();
    ssh?.once('end', gone);
    ssh?.once('close', gone);
    sftp.once?.('close', gone);
  }

  private fail(): void {
    this.closed = true;
    for (const reject of this.pending) reject(new SftpConnectionClosedError());
    this.pending.clear();
  }

  /**
   * Holds the socket's writes until the current tick ends, so the requests issued together (by one
   * file's pipelined steps, and by every parallel transfer woken by the same burst of replies) leave
   * in one system call and reach the server together. With Nagle off, each ssh2 packet would
   * otherwise be its own send on both ends; this batches without delaying anything.
   */
  private batchWrites(): void {
    if (this.corked || !this.socket) return;
    const socket = this.socket;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  private call<T>(start: (cb: Callback<T>) => void): Promise<T> {
    if (this.closed) return Promise.reject(new SftpConnectionClosedError());
    this.batchWrites();
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      start((error, value) => {
        this.pending.delete(reject);
        if (error) reject(error);
        else resolve(value);
      });
    });
  }

  private done(start: (cb: (error?: Error | null) => void) => void): Promise<void> {
    return this.call<void>((cb) => start((error) => cb(error, undefined)));
  }

  /**
   * The most bytes one write request carries: ssh2's limit for this server (announced with
   * `limits@openssh.com`, or its default), or a smaller safe size if this ssh2 keeps it elsewhere.
   * ssh2 splits a longer write into requests sent one after the other.
   */
  get maxWriteLength(): number {
    return this.sftp._maxWriteLen ?? MIN_WRITE_LENGTH;
  }

  open(path: string, flags: 'r' | 'wx'): Promise<Buffer> {
    return this.call((cb) => this.sftp.open(path, flags, cb));
  }

  close(handle: Buffer): Promise<void> {
    return this.done((cb) => this.sftp.close(handle, cb));
  }

  /** Bytes read into `buffer` at `offset`; 0 at the end of the file. */
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.call((cb) => this.sftp.read(handle, buffer, offset, length, position, cb));
  }

  write(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    return this.done((cb) => this.sftp.write(handle, buffer, offset, length, position, cb));
  }

  fstat(handle: Buffer): Promise<SftpAttributes> {
    return this.call((cb) => this.sftp.fstat(handle, cb));
  }

  stat(path: string): Promise<SftpAttributes> {
    return this.call((cb) => this.sftp.stat(path, cb));
  }

  lstat(path: string): Promise<SftpAttributes> {
    return this.call((cb) => this.sftp.lstat(path, cb));
  }

  /** The path with every symlink resolved (OpenSSH also resolves a missing last segment). */
  realpath(path: string): Promise<string> {
    return this.call((cb) => this.sftp.realpath(path, cb));
  }

  mkdir(path: string): Promise<void> {
    return this.done((cb) => this.sftp.mkdir(path, cb));
  }

  unlink(path: string): Promise<void> {
    return this.done((cb) => this.sftp.unlink(path, cb));
  }

  /**
   * Moves `from` over `to`, replacing it atomically with `posix-rename@openssh.com`; servers without
   * that extension get delete-then-rename, which leaves a moment with no file but never a partial one.
   */
  async replace(from: string, to: string): Promise<void> {
    try {
      await this.done((cb) => this.sftp.ext_openssh_rename(from, to, cb));
      return;
    } catch {
      // no extension, or it failed: fall through to the portable way
    }
    await this.unlink(to).catch(() => undefined);
    await this.done((cb) => this.sftp.rename(from, to, cb));
  }

  fastPut(localPath: string, remotePath: string, options: FastTransferOptions): Promise<void> {
    return this.done((cb) => this.sftp.fastPut(localPath, remotePath, options, cb));
  }

  fastGet(remotePath: string, localPath: string, options: FastTransferOptions): Promise<void> {
    return this.done((cb) => this.sftp.fastGet(remotePath, localPath, options, cb));
  }
}
