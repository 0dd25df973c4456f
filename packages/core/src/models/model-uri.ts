import { LOGGED_MODEL_ID_PATTERN } from '../entities/logged-model.js';

/** A `models:/<model_id>` URI split into the logged model's id and a path inside its folder. */
export interface LoggedModelUri {
  modelId: string;
  /** The artifact sub-path after the id (`models:/m-…/sub/file`), `''` for the model folder. */
  path: string;
}

/**
 * The logged model a `models:/` URI names, or undefined when it names a registered model version
 * (`models:/name/1`, `models:/name@alias`…). As MLflow 3 parses them, one segment without `@` is a
 * model id; a first segment shaped like an id followed by more path is an id plus a sub-path,
 * since a registry name never looks like `m-<32 hex>` in practice while `models:/m-…/MLmodel` is common.
 */
export function loggedModelUriOf(uri: string): LoggedModelUri | undefined {
  const match = /^models:\/+(.*)$/i.exec(uri);
  if (!match || match[1] === undefined) return undefined;
  const rest = match[1].replace(/\/+$/, '');
  if (rest === '') return undefined;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? rest : rest.slice(0, slash);
  if (slash < 0) return first.includes('@') ? undefined : { modelId: first, path: '' };
  if (!LOGGED_MODEL_ID_PATTERN.test(first)) return undefined;
  const path = rest.slice(slash + 1);
  // `models:/<id>/<digits>` stays a registry version of a model oddly named like an id.
  if (/^\d+$/.test(path) || path.toLowerCase() === 'latest') return undefined;
  return { modelId: first, path };
}

/** The `models:/<model_id>` URI of a logged model. */
export function loggedModelUri(modelId: string): string {
  return `models:/${modelId}`;
}
