import { posix } from 'node:path';
import { invalidParameter, LabbookError } from '@labbook/core/plugin';
import type SftpClient from 'ssh2-sftp-client';
import { MSG } from './constants.js';
import type { SftpAttributes, SftpChannel } from './sftp-channel.js';
import { isMissing } from './errors.js';

/**
 * How long a folder stays known as checked (inside the root, created). A tree upload would otherwise
 * pay a realpath per file; the limit bounds how long a folder swapped for a symlink afterwards by
 * someone else on the server goes unnoticed.
 */
const FOLDER_CHECK_TTL_MS = 30_000;

function escapes(): LabbookError {
  return new LabbookError('INVALID_PARAMETER_VALUE', `${MSG} path resolves outside the artifact root (symlink)`, { field: 'path' });
}

/**
 * Keeps every remote path under the repository's root folder: lexically (no `..`, nothing absolute)
 * and through symlinks (the server's real path of what is touched must stay under the root's).
 */
export class RootGuard {
  readonly root: string;
  private realRoot: Promise<string> | undefined;
  private readonly folders = new Map<string, { ready: Promise<void>; until: number }>();

  constructor(root: string) {
    this.root = root;
  }

  /** The remote path of a repository path, checked lexically to stay under the root. */
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

  /** Forgets which folders were checked (after a delete, say). */
  forget(): void {
    this.folders.clear();
  }

  private resolvedRoot(channel: SftpChannel): Promise<string> {
    if (!this.realRoot) {
      const pending = channel.realpath(this.root);
      this.realRoot = pending;
      // A root that cannot be resolved yet (missing) is resolved again next time.
      pending.catch(() => {
        if (this.realRoot === pending) this.realRoot = undefined;
      });
    }
    return this.realRoot.catch(() => this.root);
  }

  /** Throws unless the server-side real path `real` is the root or under it. */
  async assertInside(channel: SftpChannel, real: string): Promise<void> {
    const realRoot = await this.resolvedRoot(channel);
    if (real !== realRoot && !real.startsWith(realRoot === '/' ? '/' : `${realRoot}/`)) throw escapes();
  }

  /**
   * Attributes of an existing remote path (following symlinks), or undefined when it is missing;
   * throws when its real path leaves the root. The realpath and stat requests travel together.
   */
  async existing(channel: SftpChannel, remote: string): Promise<SftpAttributes | undefined> {
    const [real, attrs] = await Promise.allSettled([channel.realpath(remote), channel.stat(remote)]);
    if (attrs.status === 'rejected') {
      if (isMissing(attrs.reason)) return undefined;
      throw attrs.reason;
    }
    if (real.status === 'rejected') throw real.reason;
    await this.assertInside(channel, real.value);
    return attrs.value;
  }

  /**
   * Makes sure the folder `dir` (the root or under it) exists as a real folder inside the root,
   * creating missing ones; each folder is checked once per {@link FOLDER_CHECK_TTL_MS}, and parallel
   * callers share one check.
   */
  folder(client: SftpClient, channel: SftpChannel, dir: string): Promise<void> {
    const now = Date.now();
    const known = this.folders.get(dir);
    if (known && known.until > now) return known.ready;
    const ready = this.checkFolder(client, channel, dir);
    const entry = { ready, until: now + FOLDER_CHECK_TTL_MS };
    this.folders.set(dir, entry);
    ready.catch(() => {
      if (this.folders.get(dir) === entry) this.folders.delete(dir);
    });
    return ready;
  }

  private async checkFolder(client: SftpClient, channel: SftpChannel, dir: string): Promise<void> {
    if (dir === this.root) {
      // The root is where the URI points, symlink or not; above it nothing is checked.
      if ((await client.exists(dir)) !== 'd')
        await client.mkdir(dir, true).catch(async (error) => {
          if ((await client.exists(dir)) !== 'd') throw error;
        });
      return;
    }
    if (await this.isFolderInside(channel, dir)) return;
    await this.folder(client, channel, posix.dirname(dir));
    try {
      // A folder made here, in a parent already checked, is inside the root.
      await channel.mkdir(dir);
    } catch (error) {
      // Another upload may have made it meanwhile; anything else there is an error.
      if (!(await this.isFolderInside(channel, dir))) throw error;
    }
  }

  private async isFolderInside(channel: SftpChannel, dir: string): Promise<boolean> {
    const attrs = await this.existing(channel, dir);
    if (attrs === undefined) return false;
    if (!attrs.isDirectory()) throw invalidParameter(`${MSG} '${dir}' is not a folder`, { field: 'path' });
    return true;
  }
}
