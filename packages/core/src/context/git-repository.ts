import { createHash } from 'node:crypto';
import { type BigIntStats, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** What labbook reads of a git checkout, straight from its `.git` folder (no `git` binary needed). */
export interface GitInfo {
  /** The working tree's root folder. */
  root: string;
  commit?: string;
  branch?: string;
  remoteUrl?: string;
  /** Whether a tracked file differs from the index; undefined when the index format is not readable. */
  dirty?: boolean;
}

/** Finds the `.git` folder for `start`, following a `.git` file (worktrees, submodules). */
export function findGitDir(start: string): { gitDir: string; root: string } | undefined {
  let dir = resolve(start);
  for (;;) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      const st = statSync(dotGit);
      if (st.isDirectory()) return { gitDir: dotGit, root: dir };
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (m?.[1]) {
        const target = m[1].trim();
        return { gitDir: isAbsolute(target) ? target : resolve(dir, target), root: dir };
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

// Worktrees keep refs, config and packed-refs in the common dir.
function commonDir(gitDir: string): string {
  const common = readText(join(gitDir, 'commondir'))?.trim();
  return common ? resolve(gitDir, common) : gitDir;
}

function resolveRef(gitDir: string, ref: string): string | undefined {
  for (const base of [gitDir, commonDir(gitDir)]) {
    const loose = readText(join(base, ref))?.trim();
    if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
    const packed = readText(join(base, 'packed-refs'));
    if (packed) {
      for (const line of packed.split('\n')) {
        const [sha, name] = line.split(' ');
        if (name === ref && sha && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
      }
    }
  }
  return undefined;
}

function remoteUrl(gitDir: string, branch: string | undefined): string | undefined {
  const config = readText(join(commonDir(gitDir), 'config'));
  if (!config) return undefined;
  const remotes = new Map<string, string>();
  let section: string | undefined;
  let branchRemote: string | undefined;
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    const header = /^\[(\w+)(?:\s+"([^"]*)")?\]$/.exec(line);
    if (header) {
      section = header[1] === 'remote' ? `remote:${header[2]}` : header[1] === 'branch' ? `branch:${header[2]}` : undefined;
      continue;
    }
    const kv = /^(\w+)\s*=\s*(.*)$/.exec(line);
    if (!kv || !section) continue;
    if (section.startsWith('remote:') && kv[1] === 'url') remotes.set(section.slice(7), kv[2]!);
    if (branch && section === `branch:${branch}` && kv[1] === 'remote') branchRemote = kv[2];
  }
  return remotes.get(branchRemote ?? 'origin') ?? remotes.values().next().value;
}

/** Strips credentials from a remote URL so they never land in a tag. */
export function redactRemoteUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)[^@/]+@/, '$1');
}

/**
 * Compares tracked files with the index the way `git status` does first: size and mtime, then the
 * blob hash of files whose stat changed. Index versions 2 and 3 are read; for others (v4 compresses
 * names) the answer is unknown.
 */
function isDirty(gitDir: string, root: string): boolean | undefined {
  let index: Buffer;
  let indexMtimeSec: number;
  try {
    index = readFileSync(join(gitDir, 'index'));
    indexMtimeSec = Math.floor(statSync(join(gitDir, 'index')).mtimeMs / 1000);
  } catch {
    return undefined;
  }
  if (index.length < 12 || index.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = index.readUInt32BE(4);
  if (version !== 2 && version !== 3) return undefined;
  const count = index.readUInt32BE(8);
  let at = 12;
  for (let i = 0; i < count; i++) {
    const start = at;
    const mtimeSec = index.readUInt32BE(at + 8);
    const mtimeNsec = index.readUInt32BE(at + 12);
    const size = index.readUInt32BE(at + 36);
    const sha = index.toString('hex', at + 40, at + 60);
    const flags = index.readUInt16BE(at + 60);
    at += 62;
    if (version === 3 && flags & 0x4000) at += 2;
    const nameEnd = index.indexOf(0, at);
    const name = index.toString('utf8', at, nameEnd);
    // Entries are padded with 1-8 NULs to a multiple of 8 bytes.
    at = start + Math.ceil((nameEnd - start + 1) / 8) * 8;
    const stage = (flags >> 12) & 0x3;
    if (stage !== 0) return true;
    let st: BigIntStats | undefined;
    try {
      st = statSync(join(root, name), { bigint: true });
    } catch {
      return true;
    }
    if (!st.isFile()) continue;
    if (Number(st.size) !== size) return true;
    const sameStat = st.mtimeNs === BigInt(mtimeSec) * 1_000_000_000n + BigInt(mtimeNsec);
    // An entry written in the same second as the index is "racily clean" (git's term): hash it.
    if (sameStat && mtimeSec < indexMtimeSec) continue;
    const content = readFileSync(join(root, name));
    const blob = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
    if (blob !== sha) return true;
  }
  return false;
}

/** Reads commit, branch, remote URL and dirtiness of the checkout containing `start`, if any. */
export function readGitInfo(start: string): GitInfo | undefined {
  const found = findGitDir(start);
  if (!found) return undefined;
  const { gitDir, root } = found;
  const head = readText(join(gitDir, 'HEAD'))?.trim();
  if (!head) return { root };
  let branch: string | undefined;
  let commit: string | undefined;
  const symbolic = /^ref:\s*(.+)$/.exec(head);
  if (symbolic?.[1]) {
    const ref = symbolic[1].trim();
    branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
    commit = resolveRef(gitDir, ref);
  } else if (/^[0-9a-f]{40,64}$/.test(head)) {
    commit = head;
  }
  const url = remoteUrl(gitDir, branch);
  const info: GitInfo = { root };
  if (commit) info.commit = commit;
  if (branch) info.branch = branch;
  if (url) info.remoteUrl = redactRemoteUrl(url);
  const dirty = isDirty(gitDir, root);
  if (dirty !== undefined) info.dirty = dirty;
  return info;
}
