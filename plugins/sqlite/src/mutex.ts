/**
 * A first-come first-served async lock. better-sqlite3 runs each statement synchronously, but a
 * transaction spans awaits: the lock keeps a second transaction, or a statement outside it, from
 * running on the connection in between.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `fn` once every earlier holder is done; later callers wait for it. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
