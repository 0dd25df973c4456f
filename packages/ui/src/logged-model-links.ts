/**
 * How registry versions and logged models (MLflow 3) point at each other: a version made from a logged
 * model carries its `model_id`, and its source is `models:/<model_id>` (older servers send only that).
 */
import type { ModelVersion } from './api/types';

const MODEL_ID = /^m-[0-9a-f]{32}$/;

/** The logged model id a `models:/…` URI names, when it names one by id (not `models:/name/3`). */
export function loggedModelIdOfUri(uri: string | undefined): string | undefined {
  const m = /^models:\/(m-[0-9a-f]{32})(?:\/|$)/.exec(uri ?? '');
  return m?.[1];
}

/** The logged model a registered version was created from, if any. */
export function loggedModelIdOfVersion(version: ModelVersion): string | undefined {
  if (version.model_id && MODEL_ID.test(version.model_id)) return version.model_id;
  return loggedModelIdOfUri(version.source);
}

/** The versions, among `versions`, created from logged model `modelId`, newest first. */
export function versionsOfLoggedModel(versions: ModelVersion[], modelId: string): ModelVersion[] {
  return versions
    .filter((v) => loggedModelIdOfVersion(v) === modelId)
    .sort((a, b) => (b.creation_timestamp ?? 0) - (a.creation_timestamp ?? 0) || a.name.localeCompare(b.name));
}

/** The tag MLflow's `log_model(registered_model_name=…)` sets on the logged model it registered. */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

/**
 * The versions the `mlflow.modelVersions` tag lists (`[{"name": "m", "version": 1}, …]`); anything else
 * in it (a hand-set tag) is ignored rather than shown wrong.
 */
export function versionsOfTag(value: string | undefined): { name: string; version: string }[] {
  if (!value) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((v) => {
    if (typeof v !== 'object' || v === null) return [];
    const { name, version } = v as { name?: unknown; version?: unknown };
    if (typeof name !== 'string' || (typeof version !== 'string' && typeof version !== 'number')) return [];
    return [{ name, version: String(version) }];
  });
}

/**
 * The registered versions of a logged model: those the registry search found (by the source run) that
 * name the model, plus those only its tag lists, each once.
 */
export function registeredVersionsOf(
  modelId: string,
  searched: ModelVersion[],
  tagValue: string | undefined,
): { name: string; version: string; found?: ModelVersion }[] {
  const found = versionsOfLoggedModel(searched, modelId).map((v) => ({ name: v.name, version: v.version, found: v }));
  const seen = new Set(found.map((v) => `${v.name}\u0000${v.version}`));
  const tagged = versionsOfTag(tagValue).filter((v) => !seen.has(`${v.name}\u0000${v.version}`));
  return [...found, ...tagged];
}
