import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Metric,
  type MetricHistoryColumns,
  type MetricHistoryOptions,
  type PagedList,
  decodePageToken,
  encodePageToken,
  internalError,
} from '@labbook/core/plugin';
import { MSG } from './constants.js';
import { ioError } from './errors.js';
import { containedPath } from './uri.js';
import { formatMetricLine } from './metric-file.js';
import { runAt } from './run-lookup.js';
import { type RunLocation, type StoreContext, ensureDir } from './store-context.js';

/** Appends metric points to their files under a run, one write per key. */
export async function appendMetrics(ctx: StoreContext, loc: RunLocation, metrics: Metric[]): Promise<void> {
  const byKey = new Map<string, string>();
  for (const m of metrics) byKey.set(m.key, (byKey.get(m.key) ?? '') + formatMetricLine(m));
  await appendMetricLines(ctx, join(loc.runDir, 'metrics'), byKey);
}

/**
 * Appends ready-made lines to the metric files of a folder (a run's or a logged model's), one
 * write per key.
 */
export async function appendMetricLines(ctx: StoreContext, metricsDir: string, byKey: ReadonlyMap<string, string>): Promise<void> {
  for (const [key, lines] of byKey) {
    const path = containedPath(metricsDir, key);
    await ensureDir(ctx, resolve(path, '..'));
    // The first append of this process to a file also checks its tail, through the same descriptor
    // (opened for reading too) rather than a second open.
    const check = !ctx.checkedMetricFiles.has(path);
    // One write(2) on an O_APPEND descriptor per key and batch: the kernel places it at the end
    // atomically, so lines of concurrent writers never interleave.
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(path, check ? 'a+' : 'a');
    } catch (error) {
      throw ioError(`appending to metric ${key}`, error);
    }
    try {
      if (check) {
        await repairMetricTail(ctx, handle, path);
        ctx.checkedMetricFiles.add(path);
      }
      const buf = Buffer.from(lines, 'utf8');
      const { bytesWritten } = await handle.write(buf, 0, buf.length);
      if (bytesWritten !== buf.length) {
        throw internalError(`${MSG} short write appending to metric ${key}`);
      }
    } catch (error) {
      throw ioError(`appending to metric ${key}`, error);
    } finally {
      await handle.close();
    }
  }
}

/**
 * A metric file whose last byte is not a newline holds a line cut short by a killed writer. Appending
 * to it would glue the next point onto that fragment, so the fragment is cut off (with a warning)
 * before this process appends for the first time.
 */
async function repairMetricTail(ctx: StoreContext, handle: fsp.FileHandle, path: string): Promise<void> {
  const { size } = await handle.stat();
  if (size === 0) return;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] === 10) return;
  // Read back far enough to find the previous newline.
  const window = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(window);
  await handle.read(buf, 0, window, size - window);
  const nl = buf.lastIndexOf(10);
  const keep = nl < 0 ? (window === size ? 0 : size) : size - window + nl + 1;
  if (keep === size) return;
  const now = await handle.stat();
  if (now.size !== size) return;
  await handle.truncate(keep);
  ctx.warn(`${MSG} removed an incomplete last line (${size - keep} bytes, a write cut short) from ${path}`);
}

/** A metric's history, whole or a page of it. */
export async function getMetricHistory(
  ctx: StoreContext,
  runId: string,
  key: string,
  options: MetricHistoryOptions = {},
): Promise<PagedList<Metric>> {
  await ctx.init();
  const { loc } = runAt(ctx, runId);
  const path = containedPath(join(loc.runDir, 'metrics'), key);
  const max = options.maxResults ?? 0;
  // A whole history is parsed straight into objects, plain lines on the charts' fast path (building
  // them from cached columns measured slower in a process with a large heap). Pages come from the parsed-columns cache, so a history
  // read page by page is parsed once, not once per page; files with dataset fields, which the
  // columns do not keep, are parsed whole for each page.
  if (!max) return { items: ctx.reader.readMetricHistory(path, key) };
  const offset = decodePageToken(options.pageToken);
  const page = ctx.reader.readMetricPoints(path, key, offset, offset + max);
  if (page) return offset + max < page.total ? { items: page.items, nextPageToken: encodePageToken(offset + max) } : { items: page.items };
  const all = ctx.reader.readMetricHistory(path, key);
  const items = all.slice(offset, offset + max);
  return offset + max < all.length ? { items, nextPageToken: encodePageToken(offset + max) } : { items };
}

/** The whole history as typed-array columns, parsed without one object per point. */
export async function getMetricHistoryColumns(ctx: StoreContext, runId: string, key: string): Promise<MetricHistoryColumns> {
  await ctx.init();
  const { loc } = runAt(ctx, runId);
  return ctx.reader.readMetricColumns(containedPath(join(loc.runDir, 'metrics'), key));
}
