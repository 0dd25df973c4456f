import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { Readable as ReadableStream, PassThrough } from 'node:stream';
import {
  type ArtifactBody,
  type ArtifactRepository,
  type FileInfo,
  invalidParameter,
  LabbookError,
  notFound,
  type TransferOptions,
} from '@labbook/core';
import type SftpClient from 'ssh2-sftp-client';
import { MSG } from './constants.js';
import { readSshConfig } from './ssh-config.js';
import { isMissing, sftpError } from './sftp-errors.js';
import { parseSftpUri, type SftpLocation } from './sftp-uri.js';

/** Settings of an {@link SftpArtifactRepository}; the URI and `~/.ssh/config` fill what is not given. */
export interface SftpArtifactRepositoryOptions {
  /** A connected (or connectable) ssh2-sftp-client instance to use instead of opening one. */
  client?: SftpClient;
  /** Private key contents, or `privateKeyPath` to read one (default: IdentityFile from ~/.ssh/config). */
  privateKey?: string | Buffer;
  privateKeyPath?: string;
  passphrase?: string;
  password?: string;
  /** SSH agent socket. Default: `SSH_AUTH_SOCK`. */
  agent?: string;
  /** Connection timeout in ms (default 20000). */
  readyTimeout?: number;
  /** Checks the server's host key; default: accept (as paramiko's AutoAddPolicy in MLflow). */
  hostVerifier?: (key: Buffer) => boolean;
  /** Contents of an ssh config to use instead of ~/.ssh/config. */
  sshConfig?: string;
  /** Connection attempts with backoff (default 3). */
  connectAttempts?: number;
}

const STREAM_BUFFER = 1024 * 1024;

function toReadable(body: ArtifactBody): Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return ReadableStream.from([Buffer.from(body)]);
  return body instanceof ReadableStream ? body : ReadableStream.from(body as AsyncIterable<Uint8Array>);
}

/**
 * Artifacts in a folder of an SFTP server (`sftp://user@host:port/path`). Files are written under a
 * temporary name and renamed into place, so an interrupted upload never leaves a complete-looking
 * file; local files move through ssh2's parallel fast paths (`fastPut`/`fastGet`); every path is
 * checked to stay under the root, through symlinks too.
 */
export class SftpArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly root: string;
  private readonly location: SftpLocation;
  private readonly options: SftpArtifactRepositoryOptions;
  private connection?: Promise<SftpClient>;
  private realRoot?: Promise<string>;
  /** Folders created or checked by this repository, so uploads into them skip the round trips. */
  private readonly knownDirs = new Set<string>();

  constructor(uri: string, options: SftpArtifactRepositoryOptions = {}) {
    this.location = parseSftpUri(uri);
    this.root = this.location.root;
    this.rootUri = uri.replace(/\/+$/, '');
    this.options = options;
  }

  private secrets(): string[] {
    return [this.location.password ?? '', this.options.password ?? '', this.options.passphrase ?? ''].filter(Boolean);
  }

  private connect(): Promise<SftpClient> {
    this.connection ??= (async () => {
      if (this.options.client) return this.options.client;
      const { default: Client } = (await import('ssh2-sftp-client')) as unknown as { default: new () => SftpClient };
      const ssh = readSshConfig(this.location.host, this.options.sshConfig);
      const keyPath = this.options.privateKeyPath ?? ssh.identityFile;
      const privateKey = this.options.privateKey ?? (keyPath ? readFileSync(keyPath) : undefined);
      const password = this.options.password ?? this.location.password;
      const agent = this.options.agent ?? process.env.SSH_AUTH_SOCK;
      const config = {
        host: ssh.hostName ?? this.location.host,
        port: this.location.port ?? ssh.port ?? 22,
        username: this.location.user ?? ssh.user ?? process.env.USER ?? 'root',
        readyTimeout: this.options.readyTimeout ?? 20000,
        ...(privateKey ? { privateKey } : {}),
        ...(this.options.passphrase ? { passphrase: this.options.passphrase } : {}),
        ...(password ? { password } : {}),
        ...(agent && !privateKey && !password ? { agent } : {}),
        ...(this.options.hostVerifier ? { hostVerifier: this.options.hostVerifier } : {}),
      };
      const attempts = this.options.connectAttempts ?? 3;
      for (let attempt = 1; ; attempt++) {
        const client = new Client();
        try {
          await client.connect(config);
          return client;
        } catch (error) {
          const wrapped = sftpError('connection to', `sftp://${config.username}@${config.host}:${config.port}`, error, this.secrets());
          if (attempt >= attempts || wrapped.code === 'PERMISSION_DENIED') throw wrapped;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
      }
    })();
    this.connection.catch(() => {
      this.connection = undefined;
    });
    return this.connection;
  }

  /** The remote path of a repository path, checked to stay under the root. */
  remote(path: string): string {
    if (path.startsWith('/') || path.split('/').some((s) => s === '..' || s === '.')) {
      throw invalidParameter(`${MSG} path '${path}' leaves the repository root`, { field: 'path' });
    }
    const full = path === '' ? this.root : posix.join(this.root, path);
    if (full !== this.root && !full.startsWith(this.root === '/' ? '/' : `${this.root}/`)) {
      throw invalidParameter(`${MSG} path '${path}' leaves the repository root`, { field: 'path' });
    }
    return full;
  }

  private describe(remote: string): string {
    return `sftp://${this.location.host}${remote}`;
  }

  // Follows symlinks of the deepest existing ancestor: the result must stay under the root's real path.
  private async contain(client: SftpClient, remote: string): Promise<void> {
    this.realRoot ??= client.realPath(this.root).catch(() => this.root);
    const realRoot = await this.realRoot;
    let probe = remote;
    for (;;) {
      const real = await client.realPath(probe).catch(() => undefined);
      if (real !== undefined && (await client.exists(probe).catch(() => false))) {
        if (real !== realRoot && !real.startsWith(realRoot === '/' ? '/' : `${realRoot}/`)) {
          throw new LabbookError('INVALID_PARAMETER_VALUE', `${MSG} path resolves outside the artifact root (symlink)`, { field: 'path' });
        }
        return;
      }
      if (probe === this.root || probe === '/') return;
      probe = posix.dirname(probe);
    }
  }

  private async ensureParent(client: SftpClient, remote: string): Promise<void> {
    const parent = posix.dirname(remote);
    if (this.knownDirs.has(parent)) return;
    if (!(await client.exists(parent))) {
      try {
        await client.mkdir(parent, true);
      } catch (error) {
        // Parallel uploads into one new folder race to create it; losing that race is fine.
        if ((await client.exists(parent)) !== 'd') throw error;
      }
    }
    this.knownDirs.add(parent);
  }

  // Uploads write a temporary file and rename it over the final name, which replaces a symlink there
  // rather than writing through it: only the folder has to be inside the root.
  private async containParent(client: SftpClient, remote: string): Promise<void> {
    if (this.knownDirs.has(posix.dirname(remote))) return;
    await this.contain(client, posix.dirname(remote));
    await this.ensureParent(client, remote);
  }

  private tempName(remote: string): string {
    return posix.join(posix.dirname(remote), `.${posix.basename(remote)}.labbook-tmp-${randomBytes(6).toString('hex')}`);
  }

  private async moveIntoPlace(client: SftpClient, temp: string, remote: string): Promise<void> {
    try {
      // posix-rename@openssh.com replaces an existing file atomically.
      await client.posixRename(temp, remote);
    } catch {
      if (await client.exists(remote)) await client.delete(remote);
      await client.rename(temp, remote);
    }
  }

  async put(path: string, body: ArtifactBody, options: TransferOptions = {}): Promise<void> {
    const client = await this.connect();
    const remote = this.remote(path);
    const temp = this.tempName(remote);
    try {
      await this.containParent(client, remote);
      let done = 0;
      const source = toReadable(body);
      const counter = new PassThrough({ highWaterMark: STREAM_BUFFER });
      counter.on('data', (c: Buffer) => {
        done += c.length;
        options.onProgress?.({ path, bytesDone: done, ...(options.size !== undefined ? { bytesTotal: options.size } : {}) });
      });
      source.on('error', (e) => counter.destroy(e));
      await client.put(source.pipe(counter), temp, { writeStreamOptions: { highWaterMark: STREAM_BUFFER } as never });
      await this.moveIntoPlace(client, temp, remote);
    } catch (error) {
      await client.delete(temp, true).catch(() => undefined);
      throw sftpError('upload to', this.describe(remote), error, this.secrets());
    }
  }

  async get(path: string, options: Pick<TransferOptions, 'signal' | 'onProgress'> = {}): Promise<Readable> {
    const client = await this.connect();
    const remote = this.remote(path);
    let size: number;
    try {
      await this.contain(client, remote);
      const st = await client.stat(remote);
      if (!st.isFile) throw notFound(`${MSG} no artifact file at ${this.describe(remote)}`);
      size = st.size;
    } catch (error) {
      if (LabbookError.is(error)) throw error;
      if (isMissing(error)) throw notFound(`${MSG} no artifact at ${this.describe(remote)}`, { cause: error });
      throw sftpError('download of', this.describe(remote), error, this.secrets());
    }
    const stream = client.createReadStream(remote, { highWaterMark: STREAM_BUFFER } as never) as Readable;
    if (!options.onProgress) return stream;
    let done = 0;
    stream.on('data', (c: Buffer) => {
      done += c.length;
      options.onProgress?.({ path, bytesDone: done, bytesTotal: size });
    });
    return stream;
  }

  async list(path = ''): Promise<FileInfo[]> {
    const client = await this.connect();
    const remote = this.remote(path);
    try {
      await this.contain(client, remote);
      const kind = await client.exists(remote);
      if (kind !== 'd') return [];
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
  }

  async delete(path = ''): Promise<void> {
    const client = await this.connect();
    const remote = this.remote(path);
    this.knownDirs.clear();
    try {
      await this.contain(client, remote);
      const kind = await client.exists(remote);
      if (kind === false) return;
      if (kind !== 'd') {
        await client.delete(remote);
        return;
      }
      if (remote === this.root) {
        for (const e of await client.list(remote)) {
          const child = posix.join(remote, e.name);
          if (e.type === 'd') await client.rmdir(child, true);
          else await client.delete(child);
        }
      } else await client.rmdir(remote, true);
    } catch (error) {
      if (LabbookError.is(error)) throw error;
      throw sftpError('delete of', this.describe(remote), error, this.secrets());
    }
  }

  async uploadFile(localFile: string, path: string, options: TransferOptions = {}): Promise<void> {
    const client = await this.connect();
    const remote = this.remote(path);
    const temp = this.tempName(remote);
    try {
      await this.containParent(client, remote);
      await client.fastPut(localFile, temp, {
        concurrency: 64,
        chunkSize: 32768,
        step: (done: number, _chunk: number, total: number) => options.onProgress?.({ path, bytesDone: done, bytesTotal: total }),
      });
      await this.moveIntoPlace(client, temp, remote);
    } catch (error) {
      await client.delete(temp, true).catch(() => undefined);
      throw sftpError('upload to', this.describe(remote), error, this.secrets());
    }
  }

  async downloadFile(path: string, localFile: string, options: TransferOptions = {}): Promise<void> {
    const client = await this.connect();
    const remote = this.remote(path);
    const partial = `${localFile}.labbook-partial`;
    try {
      await this.contain(client, remote);
      await client.fastGet(remote, partial, {
        concurrency: 64,
        chunkSize: 32768,
        step: (done: number, _chunk: number, total: number) => options.onProgress?.({ path, bytesDone: done, bytesTotal: total }),
      });
      await rename(partial, localFile);
    } catch (error) {
      await rm(partial, { force: true });
      if (LabbookError.is(error)) throw error;
      if (isMissing(error)) throw notFound(`${MSG} no artifact at ${this.describe(remote)}`, { cause: error });
      throw sftpError('download of', this.describe(remote), error, this.secrets());
    }
  }

  async close(): Promise<void> {
    if (!this.connection || this.options.client) return;
    const client = await this.connection.catch(() => undefined);
    this.connection = undefined;
    await client?.end().catch(() => undefined);
  }
}
