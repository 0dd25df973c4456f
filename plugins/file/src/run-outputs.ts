import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LoggedModelOutput } from '@labbook/core/plugin';
import { isTempName, writeFileAtomic } from './atomic-write.js';
import { META_FILE, MSG } from './constants.js';
import { activeRun } from './run-lookup.js';
import { type StoreContext, ensureDir } from './store-context.js';
import { containedPath } from './uri.js';
import { dumpYaml, parseYaml } from './yaml-io.js';

/** The sub-folder of a run that holds what it produced, one `<model_id>/meta.yaml` per model (MLflow 3). */
const OUTPUTS_FOLDER = 'outputs';

/**
 * Records models an active run produced, as MLflow 3's FileStore does: `outputs/<model_id>/meta.yaml`
 * naming the run as source and the model as destination, with the step. Logging a model again
 * replaces its step.
 */
export async function logOutputs(ctx: StoreContext, runId: string, models: readonly LoggedModelOutput[]): Promise<void> {
  await ctx.init();
  const { loc } = activeRun(ctx, runId);
  for (const model of models) {
    const dir = containedPath(loc.runDir, OUTPUTS_FOLDER, model.modelId);
    await ensureDir(ctx, dir);
    await writeFileAtomic(
      join(dir, META_FILE),
      dumpYaml({
        destination_id: model.modelId,
        destination_type: 'MODEL_OUTPUT',
        source_id: runId,
        source_type: 'RUN_OUTPUT',
        step: model.step,
        tags: {},
      }),
      ctx.fsync,
    );
  }
}

/** The model outputs of a run folder, ordered by model id; unreadable entries are skipped with a warning. */
export function readRunOutputs(ctx: StoreContext, runDir: string): LoggedModelOutput[] {
  let ids: string[];
  try {
    ids = readdirSync(join(runDir, OUTPUTS_FOLDER));
  } catch {
    return [];
  }
  const out: LoggedModelOutput[] = [];
  for (const id of ids.sort()) {
    if (isTempName(id)) continue;
    const path = join(runDir, OUTPUTS_FOLDER, id, META_FILE);
    try {
      const raw = parseYaml(readFileSync(path, 'utf8'), path);
      // The vertex type is written by name; its protobuf number (2) is taken too.
      const type = raw.destination_type;
      if (type !== undefined && type !== 'MODEL_OUTPUT' && type !== 2) continue;
      const step = Number(raw.step ?? 0);
      out.push({ modelId: String(raw.destination_id ?? id), step: Number.isFinite(step) ? step : 0 });
    } catch {
      ctx.reader.warnOnce(`${MSG} skipping an unreadable output ${id} of run folder ${runDir}`);
    }
  }
  return out;
}
