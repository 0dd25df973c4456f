import { existsSync } from 'node:fs';
import { Client } from '../client/client.js';
import { notFound } from '../errors.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { isModelsUri, parseModelsUri } from '../uri/artifact-uri.js';
import { localPathIfLocal } from '../uri/local-path.js';
import { flavorForLoad } from './flavor-lookup.js';
import { type LabbookModel, wrapLoadedModel } from './labbook-model.js';
import { mlmodelSignature, readMLmodel } from './mlmodel.js';
import { cachedModelDir } from './model-cache.js';
import { loggedModelUriOf } from './model-uri.js';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** The client that resolves `runs:/` and `models:/` URIs (default: one from the environment's URIs). */
  client?: Client;
  /** Plugins to find flavors with (default: the client's, else the process-wide registry). */
  plugins?: PluginRegistry;
  /** Which of the model's flavors to load with (default: the first one labbook has). */
  flavor?: string;
  /** Where remote models are cached (default: `LABBOOK_MODEL_CACHE` or `~/.cache/labbook/models`). */
  cacheDir?: string;
}

/** Finds the local folder of a model URI: the path itself, or a verified cache copy of a remote one. */
export async function localModelDir(uri: string, client: Client, cacheDir?: string): Promise<string> {
  const local = localPathIfLocal(uri);
  if (local) return local;
  let resolved: string;
  let key: string;
  const logged = loggedModelUriOf(uri);
  if (logged) {
    resolved = await client.resolveArtifactUri(uri);
    // A model id names files that never change once READY, so the id is the whole cache key.
    key = `${resolved}\nmodels:/${logged.modelId}`;
  } else if (isModelsUri(uri)) {
    const parsed = parseModelsUri(uri);
    const version = await modelVersionOf(client, parsed);
    resolved = await client.resolveArtifactUri(await client.getModelVersionDownloadUri(parsed.name, version));
    key = `${resolved}\nmodels:/${parsed.name}/${version}`;
  } else {
    resolved = await client.resolveArtifactUri(uri);
    key = resolved;
  }
  // The file store's artifacts are already local: read them in place rather than copying.
  const resolvedLocal = localPathIfLocal(resolved);
  if (resolvedLocal && existsSync(resolvedLocal)) return resolvedLocal;
  const trimmed = resolved.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  const parent = trimmed.slice(0, cut);
  if (cut < 0 || /^[a-z][\w+.-]*:\/*$/i.test(`${parent}/`))
    return cachedModelDir(await client.artifactRepositoryFor(trimmed), '', key, cacheDir);
  return cachedModelDir(await client.artifactRepositoryFor(parent), decodeURIComponent(trimmed.slice(cut + 1)), key, cacheDir);
}

async function modelVersionOf(client: Client, parsed: ReturnType<typeof parseModelsUri>): Promise<string> {
  if ('version' in parsed) return parsed.version;
  if ('alias' in parsed) return (await client.getModelVersionByAlias(parsed.name, parsed.alias)).version;
  const versions = await client.getLatestVersions(parsed.name, 'stage' in parsed ? [parsed.stage] : undefined);
  const latest = versions.sort((a, b) => Number(b.version) - Number(a.version))[0];
  if (!latest) {
    const what = 'stage' in parsed ? `in stage '${parsed.stage}'` : 'at all';
    throw notFound(
      `Registered model '${parsed.name}' has no versions ${what}: register a version first, or use models:/${parsed.name}/<version>.`,
    );
  }
  return latest.version;
}

/**
 * Loads a model folder from a local path, `runs:/<run_id>/<path>`, MLflow 3's `models:/<model_id>`, `models:/<name>/<version>`,
 * `models:/<name>/<stage>`, `models:/<name>/latest`, `models:/<name>@<alias>`, or any artifact URI
 * a plugin serves (downloaded once into a verified cache). The flavor is imported only now, and
 * the returned model's `predict` enforces the signature whatever the flavor.
 *
 * ```ts
 * const model = await loadModel('models:/iris@champion');
 * const out = await model.predict({ input: tensor(new Float32Array(4), [1, 4]) });
 * ```
 */
export async function loadModel(uri: string, options: LoadModelOptions = {}): Promise<LabbookModel> {
  const client = options.client ?? new Client(options.plugins ? { plugins: options.plugins } : {});
  const plugins = options.plugins ?? client.pluginRegistry;
  const modelDir = await localModelDir(uri, client, options.cacheDir);
  const metadata = readMLmodel(modelDir);
  const flavor = await flavorForLoad(plugins, metadata, `'${uri}'`, options.flavor);
  const signature = mlmodelSignature(metadata);
  const inner = await flavor.load(modelDir, metadata.flavors[flavor.name] ?? {}, {
    modelDir,
    mlmodel: metadata,
    uri,
    ...(signature ? { signature } : {}),
  });
  return wrapLoadedModel(inner, { metadata, modelDir, uri, flavor: flavor.name, ...(signature ? { signature } : {}) });
}
