/**
 * What the drivers over a connection pool (MySQL, PostgreSQL) share: the pool made on first use (or
 * an injected one, which `close()` leaves open), and one transaction on a checked-out connection.
 */

/** A pool created on first use; a failed creation is tried again on the next use. */
export class LazyPool<P> {
  private pending: Promise<P> | undefined;
  private readonly owned: boolean;

  constructor(
    private readonly create: () => Promise<P>,
    private readonly end: (pool: P) => Promise<void>,
    injected?: P,
  ) {
    this.owned = injected === undefined;
    if (injected !== undefined) this.pending = Promise.resolve(injected);
  }

  /** The pool, created on first use. */
  get(): Promise<P> {
    this.pending ??= this.create().catch((error) => {
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }

  /** Ends the pool if this object created it; the next `get()` makes a new one. */
  async close(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined || !this.owned) return;
    const pool = await pending.catch(() => undefined);
    if (pool !== undefined) await this.end(pool);
  }
}

/** A connection checked out of a pool for one transaction. */
export interface TransactionConnection {
  /** Runs a control statement (BEGIN, COMMIT, ROLLBACK, SET …). */
  control(sql: string): Promise<unknown>;
  /** Returns the connection to the pool. */
  release(): void;
  /** Drops the connection: after a failed rollback it must not be handed out again. */
  destroy(error: unknown): void;
}

/**
 * `body` between `begin` and COMMIT on `conn`, with `beforeCommit` statements run after the body
 * (PostgreSQL lifts its statement timeout there: a commit given up on is ambiguous). Rolled back when
 * anything throws; a connection whose rollback fails is destroyed.
 */
export async function inTransaction<T>(
  conn: TransactionConnection,
  begin: string,
  body: () => Promise<T>,
  beforeCommit: readonly string[] = [],
): Promise<T> {
  try {
    await conn.control(begin);
    const result = await body();
    for (const sql of beforeCommit) await conn.control(sql);
    await conn.control('COMMIT');
    conn.release();
    return result;
  } catch (error) {
    try {
      await conn.control('ROLLBACK');
      conn.release();
    } catch (rollbackError) {
      conn.destroy(rollbackError);
    }
    throw error;
  }
}
