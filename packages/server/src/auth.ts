import { createHash, createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
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
  /**
   * Failed authentication attempts one client address may make per {@link failedAttemptWindowMs}
   * before it is answered 429 (`RESOURCE_EXHAUSTED`, with `Retry-After`) without any password being
   * checked; default 20. A request without an `Authorization` header is not an attempt (browsers send
   * one first to be challenged). `0` turns the limit off.
   */
  maxFailedAttempts?: number;
  /** The window {@link maxFailedAttempts} is counted in, in milliseconds; default 60 000 (one minute). */
  failedAttemptWindowMs?: number;
  /**
   * How long a verified basic credential is remembered, in milliseconds, so that a client's later
   * requests skip the deliberately slow scrypt check; default 60 000. Only a keyed hash of the
   * credential is kept, never the password. `0` checks every request.
   */
  credentialCacheMs?: number;
  /**
   * Password checks (scrypt, 16 MiB and tens of milliseconds each, on libuv's thread pool) allowed to
   * run at once; default 2, leaving the pool's other threads to file I/O. Further checks wait.
   */
  maxConcurrentPasswordChecks?: number;
}

/** A password-file line's hash part for `password`. */
export function hashPassword(password: string, salt = randomBytes(16).toString('hex')): string {
  return `scrypt$${Buffer.from(salt).toString('hex')}$${scryptSync(password, salt, 64).toString('hex')}`;
}

/** Derives a key from a password as the password file's hashes were made; injectable for tests. */
export type DeriveKey = (password: string, salt: string, keylen: number) => Promise<Buffer>;

/** What {@link AuthChecker} decided about one request. */
export type AuthOutcome = { ok: true } | { ok: false; retryAfterSeconds?: number };

/** Checks a request's Authorization header; `client` is its address, for the failed-attempt limit. */
export type AuthChecker = (header: string | undefined, client: string) => Promise<AuthOutcome>;

const asyncScrypt: DeriveKey = (password, salt, keylen) =>
  new Promise((resolve, reject) => scrypt(password, salt, keylen, (error, key) => (error ? reject(error) : resolve(key))));

/** A counting semaphore: at most `size` callers hold it at once, the rest wait in order. */
class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

// Entries kept at most, so that a flood of distinct addresses or credentials cannot grow memory without bound.
const MAX_ENTRIES = 10_000;

function sha256(value: Buffer | string): Buffer {
  return createHash('sha256').update(value).digest();
}

function parseUsers(file: string): Map<string, { salt: string; hash: Buffer }> {
  const users = new Map<string, { salt: string; hash: Buffer }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const [scheme, salt, hash] = line
      .slice(i + 1)
      .trim()
      .split('$');
    if (scheme !== 'scrypt' || !salt || !hash) continue;
    users.set(line.slice(0, i), { salt: Buffer.from(salt, 'hex').toString(), hash: Buffer.from(hash, 'hex') });
  }
  return users;
}

/**
 * A checker of Authorization headers. Password checks run off the event loop and cost the same
 * whether or not the user exists; tokens are compared through their hashes so neither timing nor
 * length tells anything about them.
 */
export function authChecker(options: AuthOptions, derive: DeriveKey = asyncScrypt): AuthChecker {
  const users = options.passwordFile ? parseUsers(options.passwordFile) : new Map<string, { salt: string; hash: Buffer }>();
  const tokenDigests = (options.tokens ?? []).map((t) => sha256(t));
  const maxFailures = options.maxFailedAttempts ?? 20;
  const windowMs = options.failedAttemptWindowMs ?? 60_000;
  const cacheMs = options.credentialCacheMs ?? 60_000;
  const gate = new Semaphore(options.maxConcurrentPasswordChecks ?? 2);
  // Unknown users are checked against this, so they take as long as known ones.
  const dummy = { salt: randomBytes(16).toString('hex'), hash: randomBytes(64) };
  const cacheKey = randomBytes(32);
  const verified = new Map<string, number>();
  const inFlight = new Map<string, Promise<boolean>>();
  const failures = new Map<string, { count: number; resetAt: number }>();

  const remember = <V>(map: Map<string, V>, key: string, value: V, expired: (v: V) => boolean) => {
    if (map.size >= MAX_ENTRIES) {
      for (const [k, v] of map) if (expired(v)) map.delete(k);
      // Still full of live entries: forget the oldest (Maps iterate in insertion order).
      const oldest = map.keys().next();
      if (map.size >= MAX_ENTRIES && !oldest.done) map.delete(oldest.value);
    }
    map.set(key, value);
  };

  /** Seconds until `client` may try again, or undefined when it may now. */
  const blockedFor = (client: string, now: number): number | undefined => {
    if (maxFailures <= 0) return undefined;
    const entry = failures.get(client);
    if (!entry || entry.resetAt <= now) return undefined;
    return entry.count >= maxFailures ? Math.max(1, Math.ceil((entry.resetAt - now) / 1000)) : undefined;
  };
  const countFailure = (client: string, now: number) => {
    if (maxFailures <= 0) return;
    const entry = failures.get(client);
    if (entry && entry.resetAt > now) entry.count++;
    else remember(failures, client, { count: 1, resetAt: now + windowMs }, (e) => e.resetAt <= now);
  };
  const refundFailure = (client: string) => {
    const entry = failures.get(client);
    if (entry && entry.count > 0) entry.count--;
  };

  const checkPassword = async (decoded: string): Promise<boolean> => {
    const i = decoded.indexOf(':');
    const user = i < 0 ? undefined : users.get(decoded.slice(0, i));
    const target = user ?? dummy;
    const derived = await gate.run(() => derive(i < 0 ? decoded : decoded.slice(i + 1), target.salt, target.hash.length));
    return timingSafeEqual(derived, target.hash) && user !== undefined;
  };

  return async (header, client) => {
    if (!header) return { ok: false };
    const match = /^(\S+)\s+(.*)$/s.exec(header.trim());
    if (!match) return { ok: false };
    const scheme = (match[1] ?? '').toLowerCase();
    const credentials = (match[2] ?? '').trim();
    const now = Date.now();

    if (scheme === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString();
      const key = createHmac('sha256', cacheKey).update(decoded).digest('hex');
      const until = verified.get(key);
      if (until !== undefined && until > now) return { ok: true };
      // Parallel requests with one credential (an SDK's thread pool) share a single check.
      const pending = inFlight.get(key);
      if (pending) return (await pending) ? { ok: true } : { ok: false };
      const retryAfterSeconds = blockedFor(client, now);
      if (retryAfterSeconds !== undefined) return { ok: false, retryAfterSeconds };
      // Counted before the check and refunded on success, so a burst of guesses sent at once is limited too.
      countFailure(client, now);
      const check = checkPassword(decoded);
      inFlight.set(key, check);
      try {
        const ok = await check;
        if (!ok) return { ok: false };
        refundFailure(client);
        if (cacheMs > 0) remember(verified, key, Date.now() + cacheMs, (t) => t <= Date.now());
        return { ok: true };
      } finally {
        inFlight.delete(key);
      }
    }

    if (scheme === 'bearer') {
      const retryAfterSeconds = blockedFor(client, now);
      if (retryAfterSeconds !== undefined) return { ok: false, retryAfterSeconds };
      const given = sha256(credentials);
      let ok = false;
      for (const digest of tokenDigests) ok = timingSafeEqual(digest, given) || ok;
      if (!ok) countFailure(client, now);
      return { ok };
    }
    return { ok: false };
  };
}
