import type SftpClient from 'ssh2-sftp-client';
import { LabbookError } from '@labbook/core';
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

type Callback<T> = (error: Error | null | undefined, value: T) => void;

/**
 * The part of ssh2's SFTP channel (`SFTPWrapper`, which ssh2-sftp-client keeps as `client.sftp`)
 * that this plugin calls directly. ssh2-sftp-client adds an `lstat` before every `fastGet` and
 * event listeners around every call; the hot paths of many-file transfers skip both.
 */
interface Ssh2Sftp {
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

function call<T>(start: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

function done(start: (cb: (error?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())));
}

/**
 * Promise-returning SFTP requests on one channel. Requests are not serialised: callers may have many
 * in flight, which is how round trips overlap.
 */
export class SftpChannel {
  private readonly sftp: Ssh2Sftp;

  /** The channel of a connected ssh2-sftp-client instance. */
  constructor(client: SftpClient) {
    const sftp = (client as unknown as { sftp?: Ssh2Sftp }).sftp;
    if (!sftp) throw new LabbookError('TEMPORARILY_UNAVAILABLE', `${MSG} the SFTP client is not connected`);
    this.sftp = sftp;
  }

  open(path: string, flags: 'r' | 'wx'): Promise<Buffer> {
    return call((cb) => this.sftp.open(path, flags, cb));
  }

  close(handle: Buffer): Promise<void> {
    return done((cb) => this.sftp.close(handle, cb));
  }

  /** Bytes read into `buffer` at `offset`; 0 at the end of the file. */
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return call((cb) => this.sftp.read(handle, buffer, offset, length, position, cb));
  }

  write(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    return done((cb) => this.sftp.write(handle, buffer, offset, length, position, cb));
  }

  fstat(handle: Buffer): Promise<SftpAttributes> {
    return call((cb) => this.sftp.fstat(handle, cb));
  }

  stat(path: string): Promise<SftpAttributes> {
    return call((cb) => this.sftp.stat(path, cb));
  }

  lstat(path: string): Promise<SftpAttributes> {
    return call((cb) => this.sftp.lstat(path, cb));
  }

  /** The path with every symlink resolved (OpenSSH also resolves a missing last segment). */
  realpath(path: string): Promise<string> {
    return call((cb) => this.sftp.realpath(path, cb));
  }

  mkdir(path: string): Promise<void> {
    return done((cb) => this.sftp.mkdir(path, cb));
  }

  unlink(path: string): Promise<void> {
    return done((cb) => this.sftp.unlink(path, cb));
  }

  /**
   * Moves `from` over `to`, replacing it atomically with `posix-rename@openssh.com`; servers without
   * that extension get delete-then-rename, which leaves a moment with no file but never a partial one.
   */
  async replace(from: string, to: string): Promise<void> {
    try {
      await done((cb) => this.sftp.ext_openssh_rename(from, to, cb));
      return;
    } catch {
      // no extension, or it failed: fall through to the portable way
    }
    await this.unlink(to).catch(() => undefined);
    await done((cb) => this.sftp.rename(from, to, cb));
  }

  fastPut(localPath: string, remotePath: string, options: FastTransferOptions): Promise<void> {
    return done((cb) => this.sftp.fastPut(localPath, remotePath, options, cb));
  }

  fastGet(remotePath: string, localPath: string, options: FastTransferOptions): Promise<void> {
    return done((cb) => this.sftp.fastGet(remotePath, localPath, options, cb));
  }
}
