import { readFileSync } from 'node:fs';
import type SftpClient from 'ssh2-sftp-client';
import type { SftpConnectOptions } from './options.js';
import { readSshConfig } from './ssh-config.js';
import { sftpError } from './errors.js';
import type { SftpLocation } from './uri.js';

/**
 * Opens an ssh2-sftp-client connection to `location`, retrying with backoff (not when the server
 * refused the credentials). `secrets` are removed from error messages.
 */
export async function openSftpClient(location: SftpLocation, options: SftpConnectOptions, secrets: readonly string[]): Promise<SftpClient> {
  const { default: Client } = (await import('ssh2-sftp-client')) as unknown as { default: new () => SftpClient };
  const ssh = readSshConfig(location.host, options.sshConfig);
  const keyPath = options.privateKeyPath ?? ssh.identityFile;
  const privateKey = options.privateKey ?? (keyPath ? readFileSync(keyPath) : undefined);
  const password = options.password ?? location.password;
  const agent = options.agent ?? process.env.SSH_AUTH_SOCK;
  const config = {
    host: ssh.hostName ?? location.host,
    port: location.port ?? ssh.port ?? 22,
    username: location.user ?? ssh.user ?? process.env.USER ?? 'root',
    readyTimeout: options.readyTimeout ?? 20000,
    ...(privateKey ? { privateKey } : {}),
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    ...(password ? { password } : {}),
    ...(agent && !privateKey && !password ? { agent } : {}),
    ...(options.hostVerifier ? { hostVerifier: options.hostVerifier } : {}),
  };
  const attempts = options.connectAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const client = new Client();
    try {
      await client.connect(config);
      if (options.noDelay !== false) (client as unknown as { client: { setNoDelay(on: boolean): void } }).client.setNoDelay(true);
      return client;
    } catch (error) {
      const wrapped = sftpError('connection to', `sftp://${config.username}@${config.host}:${config.port}`, error, secrets);
      if (attempt >= attempts || wrapped.code === 'PERMISSION_DENIED') throw wrapped;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

/**
 * Calls `onClose` when the client's SSH connection ends, so the next call can reconnect. 'end' comes
 * before 'close', and a request sent between the two is never answered.
 */
export function onConnectionClosed(client: SftpClient, onClose: () => void): void {
  const ssh = (client as unknown as { client: { once(event: 'end' | 'close', listener: () => void): void } }).client;
  ssh.once('end', onClose);
  ssh.once('close', onClose);
}

/** A socket's hold on the event loop. */
export interface Refable {
  ref(): unknown;
  unref(): unknown;
}

/** The socket under the client's SSH connection (ssh2's `_sock`), when it can be (un)referenced. */
export function sshSocket(client: SftpClient): Refable | undefined {
  const sock = (client as unknown as { client?: { _sock?: Partial<Refable> } }).client?._sock;
  return typeof sock?.ref === 'function' && typeof sock.unref === 'function' ? (sock as Refable) : undefined;
}
