import { posix } from 'node:path';
import { invalidParameter } from '@labbook/core/plugin';

/** The parts of `sftp://[user[:password]@]host[:port]/path`. */
export interface SftpLocation {
  host: string;
  port?: number;
  user?: string;
  password?: string;
  /** Absolute remote folder, normalised. */
  root: string;
}

/** Parses an SFTP URI; the password, if any, stays out of every message. */
export function parseSftpUri(uri: string): SftpLocation {
  // URL parsing would resolve '..' away; refuse it (also encoded) before.
  if (/(^|\/)(\.|%2e){2}(\/|$|\?|#)/i.test(uri.replace(/^sftp:\/\/[^/]*/i, ''))) {
    throw invalidParameter("Invalid SFTP URI: '..' segments are not allowed", { field: 'artifact_uri' });
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalidParameter('Not a valid SFTP URI. Expected sftp://[user@]host[:port]/path.', { field: 'artifact_uri' });
  }
  if (url.protocol !== 'sftp:')
    throw invalidParameter('Not an SFTP URI. Expected sftp://[user@]host[:port]/path.', { field: 'artifact_uri' });
  const path = decodeURIComponent(url.pathname || '/');
  if (path.split('/').some((s) => s === '..')) {
    throw invalidParameter("Invalid SFTP URI: '..' segments are not allowed", { field: 'artifact_uri' });
  }
  return {
    host: url.hostname || 'localhost',
    ...(url.port ? { port: Number(url.port) } : {}),
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    root: posix.normalize(path).replace(/\/+$/, '') || '/',
  };
}
