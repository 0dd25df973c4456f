import type { GrowableColumns } from './metric-columns.js';

/** One cached metric file: which version of it was parsed, how far, and its points. */
export interface ColumnsEntry {
  ino: number;
  size: number;
  mtimeMs: number;
  /** Offset past the last complete line parsed; a file that only grew is parsed from here. */
  parsedBytes: number;
  columns: GrowableColumns;
}

/**
 * Parsed metric histories kept for charts, least recently used dropped first once their arrays
 * together pass `limitBytes`. A history larger than the whole limit is not kept. Validation against
 * the file is the caller's: this only holds entries.
 */
export class MetricColumnsCache {
  private readonly entries = new Map<string, ColumnsEntry>();
  private held = 0;

  constructor(readonly limitBytes: number) {}

  /** Bytes the cached arrays hold now. */
  get bytes(): number {
    return this.held;
  }

  /** The entry for `path`, marked as just used. */
  get(path: string): ColumnsEntry | undefined {
    const entry = this.entries.get(path);
    if (entry) {
      this.entries.delete(path);
      this.entries.set(path, entry);
    }
    return entry;
  }

  /** Stores (or replaces) the entry for `path` and evicts what no longer fits. */
  set(path: string, entry: ColumnsEntry): void {
    this.delete(path);
    if (entry.columns.bytes > this.limitBytes) return;
    this.entries.set(path, entry);
    this.held += entry.columns.bytes;
    for (const [oldest, e] of this.entries) {
      if (this.held <= this.limitBytes) break;
      this.entries.delete(oldest);
      this.held -= e.columns.bytes;
    }
  }

  delete(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    this.held -= entry.columns.bytes;
  }
}
