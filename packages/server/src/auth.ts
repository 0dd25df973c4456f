import { scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Authentication settings: HTTP basic against a password file and/or bearer tokens. */
export interface AuthOptions {
  /**
   * File of `user:scrypt$<salt hex>$<hash hex>` lines (hash = scrypt(password, salt, 64)). Create lines
   * with {@link hashPassword}.
   */
  passwordFile?: string;
  /** Accepted bearer tokens. */
  tokens?: string[];
}

/** A password-file line's hash part for `password`. */
export function hashPassword(password: string, salt = Math.random().toString(16).slice(2)): string {
  return `scrypt$${Buffer.from(salt).toString('hex')}$${scryptSync(password, salt, 64).toString('hex')}`;
}

/** A checker of Authorization headers; true when the request may proceed. */
export function authChecker(options: AuthOptions): (header: string | undefined) => boolean {
  const users = new Map<string, { salt: string; hash: Buffer }>();
  if (options.passwordFile) {
    for (const line of readFileSync(options.passwordFile, 'utf8').split('\n')) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const [scheme, salt, hash] = line.slice(i + 1).trim().split('$');
      if (scheme !== 'scrypt' || !salt || !hash) continue;
      users.set(line.slice(0, i), { salt: Buffer.from(salt, 'hex').toString(), hash: Buffer.from(hash, 'hex') });
    }
  }
  const tokens = (options.tokens ?? []).map((t) => Buffer.from(t));
  return (header) => {
    if (!header) return false;
    if (header.startsWith('Bearer ')) {
      const t = Buffer.from(header.slice(7));
      return tokens.some((k) => k.length === t.length && timingSafeEqual(k, t));
    }
    if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString();
      const i = decoded.indexOf(':');
      const u = users.get(decoded.slice(0, i));
      if (i < 0 || !u) return false;
      const h = scryptSync(decoded.slice(i + 1), u.salt, 64);
      return timingSafeEqual(h, u.hash);
    }
    return false;
  };
}
