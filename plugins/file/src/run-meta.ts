import { join } from 'node:path';
import { invalidParameter, notFound } from '@labbook/core/plugin';
import { type FileToWrite, writeFilesAtomic } from './atomic-write.js';
import { META_FILE, MSG } from './constants.js';
import { withMetaLock } from './meta-lock.js';
import { type RunMeta, runMetaFromRaw } from './run-reader.js';
import type { StoreContext } from './store-context.js';
import { dumpYaml } from './yaml-io.js';

/** A run's meta.yaml, or undefined (with a warning) when it cannot be read. */
export function safeRunMeta(ctx: StoreContext, runDir: string): RunMeta | undefined {
  try {
    return ctx.reader.readRunMeta(runDir);
  } catch (error) {
    ctx.reader.warnOnce(`${MSG} skipping run folder ${runDir}: ${(error as Error).message}`);
    return undefined;
  }
}

/** Refuses a run that is not active. */
export function checkActive(runId: string, meta: RunMeta): void {
  if (meta.info.lifecycleStage !== 'active') {
    throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${meta.info.lifecycleStage}.`);
  }
}

/**
 * Changes fields of a run's meta.yaml: re-read under the folder's lock, merged, written atomically
 * (with `extra` files, synced together with it). `check` judges the fresh meta first. Returns the
 * meta written.
 */
export async function writeRunMeta(
  ctx: StoreContext,
  runDir: string,
  change: Record<string, unknown>,
  extra: FileToWrite[] = [],
  check?: (fresh: RunMeta) => void,
): Promise<RunMeta> {
  return withMetaLock(runDir, async () => {
    const fresh = ctx.reader.readRunMeta(runDir);
    if (!fresh) throw notFound(`Run folder ${runDir} has no ${META_FILE}`);
    check?.(fresh);
    const raw = { ...fresh.raw, ...change };
    const text = dumpYaml(raw);
    await writeFilesAtomic([{ path: join(runDir, META_FILE), data: text }, ...extra], ctx.fsync);
    const meta = runMetaFromRaw(raw);
    ctx.reader.noteRunMeta(runDir, text, meta);
    return meta;
  });
}
