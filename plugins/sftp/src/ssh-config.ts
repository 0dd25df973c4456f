import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What `~/.ssh/config` says about one host (the keys MLflow's SFTP repository reads). */
export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFile?: string;
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

function expandHome(path: string): string {
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/**
 * Reads the settings of `host` from an OpenSSH client config: the first value of each keyword wins,
 * across every `Host` block whose patterns match (negated patterns exclude), as ssh does.
 */
export function readSshConfig(host: string, text?: string): SshHostConfig {
  let content = text;
  if (content === undefined) {
    try {
      content = readFileSync(join(homedir(), '.ssh', 'config'), 'utf8');
    } catch {
      return {};
    }
  }
  const out: SshHostConfig = {};
  let applies = true;
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*=?\s*(.*)$/.exec(line);
    if (!m) continue;
    const keyword = m[1]!.toLowerCase();
    const value = m[2]!.replace(/^"(.*)"$/, '$1');
    if (keyword === 'host') {
      const patterns = value.split(/\s+/);
      const negated = patterns.filter((p) => p.startsWith('!')).some((p) => globToRegExp(p.slice(1)).test(host));
      applies = !negated && patterns.filter((p) => !p.startsWith('!')).some((p) => globToRegExp(p).test(host));
      continue;
    }
    if (keyword === 'match') {
      applies = false;
      continue;
    }
    if (!applies) continue;
    if (keyword === 'hostname' && out.hostName === undefined) out.hostName = value;
    else if (keyword === 'user' && out.user === undefined) out.user = value;
    else if (keyword === 'port' && out.port === undefined) out.port = Number(value);
    else if (keyword === 'identityfile' && out.identityFile === undefined) out.identityFile = expandHome(value);
  }
  return out;
}
