import type { StoreFactoryOptions } from '@labbook/core/plugin';
import type SftpClient from 'ssh2-sftp-client';
import { MSG } from './constants.js';
import { given, OptionChecks } from '@labbook/core/plugin';

/** How to reach and log in to the server; the URI and `~/.ssh/config` fill what is not given. */
export interface SftpConnectOptions {
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
  /**
   * Disable Nagle's algorithm on the TCP socket (default true). SFTP sends many small requests and
   * waits for each reply; with Nagle on, a request queued behind an unacknowledged one waits for the
   * peer's delayed ACK (40 ms on Linux), which made small files and downloads 10 to 40 times slower.
   * Applies to connections the repository opens.
   */
  noDelay?: boolean;
}

/** Settings of an {@link SftpArtifactRepository}; the URI and `~/.ssh/config` fill what is not given. */
export interface SftpArtifactRepositoryOptions extends SftpConnectOptions {
  /**
   * A connected ssh2-sftp-client instance to use instead of opening one; its owner connects, closes
   * and tunes it (`noDelay` is not applied to it).
   */
  client?: SftpClient;
  /** Requests in flight per file on the fast paths (`fastPut`/`fastGet`; default 16). */
  concurrency?: number;
  /**
   * Bytes per read or write request (default 255 KiB, the largest OpenSSH accepts: larger requests
   * are split by ssh2 and wait on each other).
   */
  chunkSize?: number;
  /**
   * Local files up to this size (default 1 MiB) move in memory with every request in flight at once,
   * skipping the fast paths' extra round trips; larger ones stream through `fastPut`/`fastGet`.
   */
  smallFileBytes?: number;
}

/**
 * Checks raw factory options (as a config file or `resolveArtifactRepository` passes them) and
 * returns them typed; a wrong type fails with INVALID_PARAMETER_VALUE naming the option. Options of
 * other plugins are ignored.
 */
export function checkSftpOptions(raw: StoreFactoryOptions): SftpArtifactRepositoryOptions {
  const o = new OptionChecks(raw, MSG);
  const privateKey = raw.privateKey;
  if (privateKey !== undefined && typeof privateKey !== 'string' && !Buffer.isBuffer(privateKey)) {
    throw o.wrong('privateKey', 'a string or a Buffer holding the key');
  }
  const hostVerifier = raw.hostVerifier;
  if (hostVerifier !== undefined && typeof hostVerifier !== 'function')
    throw o.wrong('hostVerifier', 'a function (key: Buffer) => boolean');
  return given<SftpArtifactRepositoryOptions>({
    privateKey,
    privateKeyPath: o.string('privateKeyPath'),
    passphrase: o.string('passphrase'),
    password: o.string('password'),
    agent: o.string('agent'),
    readyTimeout: o.integer('readyTimeout', 1),
    hostVerifier: hostVerifier as SftpConnectOptions['hostVerifier'],
    sshConfig: o.string('sshConfig'),
    connectAttempts: o.integer('connectAttempts', 1),
    noDelay: o.boolean('noDelay'),
    client: o.withMethods<SftpClient>('client', ['list', 'createReadStream', 'end'], 'a connected ssh2-sftp-client instance'),
    concurrency: o.integer('concurrency', 1),
    chunkSize: o.integer('chunkSize', 1),
    smallFileBytes: o.integer('smallFileBytes', 0),
  });
}
