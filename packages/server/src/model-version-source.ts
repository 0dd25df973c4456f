/**
 * Checks of a new model version's `source`, before the registry stores it: the server later reads
 * model files from that location (`/model-versions/get-artifact`), so a client must not be able to
 * point it at arbitrary local files (CVE-2023-1177, CVE-2023-2356, CVE-2023-2780, CVE-2024-3573).
 */
import {
  FORBIDDEN_ARTIFACT_PATH_CHARS,
  hasForbiddenArtifactPathChar,
  isFileUri,
  isRealPathInside,
  LabbookError,
  localPathFromUri,
  type GuardedTrackingStore,
} from '@labbook/core';
import type { ArtifactLocations } from './artifact-locations.js';
import { isLocalUri } from './local-uri.js';

/** Tag that marks prompt versions, which MLflow exempts from source checks. */
const PROMPT_TAG = 'mlflow.prompt.is_prompt';

function refuse(source: string, why: string): LabbookError {
  return new LabbookError('INVALID_PARAMETER_VALUE', `Invalid model version source: '${source}'. ${why}`, { field: 'source' });
}

function fullyDecoded(s: string, source: string): string {
  let current = s;
  for (let round = 0; round < 10; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      throw refuse(source, 'It is not a valid percent-encoded URI.');
    }
    if (next === current) return current;
    current = next;
  }
  throw refuse(source, 'It is still percent-encoded after 10 rounds of decoding.');
}

/** Options of {@link modelVersionSourceChecker}. */
export interface SourceCheckOptions {
  tracking?: GuardedTrackingStore;
  locations: ArtifactLocations;
  /** `MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX`: when set, every source must match it. */
  pattern?: RegExp;
}

/** Builds the check the `model-versions/create` RPC runs. */
export function modelVersionSourceChecker(options: SourceCheckOptions) {
  return async (source: string, runId: string | undefined, tags: { key: string }[] | undefined): Promise<void> => {
    if (tags?.some((t) => t.key === PROMPT_TAG)) return;
    if (options.pattern && !options.pattern.test(source)) {
      throw refuse(source, `It does not match the server's source validation pattern ${options.pattern}.`);
    }
    // Decoded here first so a malformed escape is refused with its own message.
    fullyDecoded(source, source);
    if (hasForbiddenArtifactPathChar(source, 'source')) throw refuse(source, `It contains ${FORBIDDEN_ARTIFACT_PATH_CHARS}.`);
    if (isLocalUri(source)) {
      const rule =
        'To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.';
      if (!runId || !options.tracking) throw refuse(source, rule);
      const run = await options.tracking.getRun(runId);
      const folder = options.locations.localFolderOf(run.info.artifactUri);
      if (!folder) throw refuse(source, rule);
      const decoded = isFileUri(source) ? source : fullyDecoded(source, source);
      if (!isRealPathInside(folder, localPathFromUri(decoded, { field: 'source' }))) throw refuse(source, rule);
      return;
    }
    // Non-local: no `..` or `.` segment under any decoding. Repeated slashes are merged first, as
    // MLflow does (`mlflow-artifacts:/models/foo///bar` is accepted there).
    const afterScheme = source.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:/, '');
    const path =
      fullyDecoded(afterScheme.startsWith('//') ? afterScheme.replace(/^\/\/[^/]*/, '') : afterScheme, source).split(/[?#]/)[0] ?? '';
    const segments = path
      .replace(/\/{2,}/g, '/')
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .split('/');
    if (segments.some((s) => s === '..' || s === '.')) {
      throw refuse(source, "'..' and '.' path segments are not allowed: give an absolute path without relative references.");
    }
  };
}
