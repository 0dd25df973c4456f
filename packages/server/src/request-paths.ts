/**
 * Artifact paths from a request, checked by core's one rule (normalizeArtifactPath) and refused
 * with MLflow's fixed answer, `Invalid path` (what `validate_path_is_safe` raises): clients
 * compare that text. Core's explanation of what was wrong stays in the error's cause, for the
 * server log.
 */
import { LabbookError, normalizeArtifactFilePath, normalizeArtifactPath } from '@labbook/core';

function asMlflowRefusal(check: () => string, field: string): string {
  try {
    return check();
  } catch (error) {
    if (!LabbookError.is(error) || error.code !== 'INVALID_PARAMETER_VALUE') throw error;
    throw new LabbookError('INVALID_PARAMETER_VALUE', 'Invalid path', { field, cause: error });
  }
}

/** A folder path (the root when absent), or MLflow's `Invalid path`. */
export function requestFolderPath(path: unknown, field = 'path'): string {
  return asMlflowRefusal(() => normalizeArtifactPath(path as string | undefined, field), field);
}

/** A file path (required), or MLflow's `Invalid path`. */
export function requestFilePath(path: unknown, field = 'path'): string {
  return asMlflowRefusal(() => normalizeArtifactFilePath(path as string | undefined, field), field);
}
