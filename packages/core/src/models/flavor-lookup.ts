import { notFound } from '../errors.js';
import type { ModelFlavor } from '../interfaces/model-flavor.js';
import { firstPartyPackageFor } from '../plugins/first-party.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { JS_FUNCTION_FLAVOR, jsFunctionFlavor } from './js-function-flavor.js';
import type { MLmodel } from './mlmodel.js';

/** Flavors that ship in core; plugins may override them. */
const BUILT_IN: Record<string, ModelFlavor> = { [JS_FUNCTION_FLAVOR]: jsFunctionFlavor as ModelFlavor };

/** The flavor named `name` from plugins, then core's built-ins; undefined when none provides it. */
export async function findFlavor(plugins: PluginRegistry, name: string): Promise<ModelFlavor | undefined> {
  return (await plugins.modelFlavor(name)) ?? BUILT_IN[name];
}

/** The flavors labbook can load with what is installed, for messages. */
export function loadableFlavorNames(plugins: PluginRegistry): string[] {
  return [...new Set([...Object.keys(BUILT_IN), ...plugins.knownSchemes('flavors')])].sort();
}

/** The flavor to save with, or an error saying which package to install. */
export async function flavorForSave(plugins: PluginRegistry, name: string): Promise<ModelFlavor> {
  const flavor = await findFlavor(plugins, name);
  if (flavor) return flavor;
  const pkg = firstPartyPackageFor('flavors', name);
  throw notFound(
    `No model flavor '${name}' is installed. Known flavors: ${loadableFlavorNames(plugins).join(', ')}. ` +
      (pkg
        ? `Install ${pkg} and list it in your package.json dependencies.`
        : 'Install a plugin that announces it under "labbook": { "flavors": [...] }, or register one with registerPlugin().'),
    { field: 'flavor' },
  );
}

/**
 * Picks the flavor to load a model with: the one asked for, else the first of the model's flavors
 * that labbook has (MLflow's `python_function` entry is skipped: it names Python loaders). When none
 * fits, the error names the flavors present and what would work.
 */
export async function flavorForLoad(plugins: PluginRegistry, mlmodel: MLmodel, where: string, wanted?: string): Promise<ModelFlavor> {
  const present = Object.keys(mlmodel.flavors);
  if (wanted !== undefined) {
    if (!present.includes(wanted))
      throw notFound(`The model at ${where} has no '${wanted}' flavor; it has: ${present.join(', ')}.`, { field: 'flavor' });
    return flavorForSave(plugins, wanted);
  }
  const candidates = present.filter((f) => f !== 'python_function');
  for (const name of candidates) {
    const flavor = await findFlavor(plugins, name);
    if (flavor) return flavor;
  }
  const installable = candidates.map((f) => [f, firstPartyPackageFor('flavors', f)] as const).filter(([, p]) => p !== undefined);
  if (installable.length > 0) {
    const [f, p] = installable[0]!;
    throw notFound(
      `The model at ${where} has the '${f}' flavor, which needs ${p}: install it and list it in your package.json dependencies.`,
      { field: 'flavor' },
    );
  }
  const loader = (mlmodel.flavors.python_function as { loader_module?: unknown } | undefined)?.loader_module;
  throw notFound(
    `labbook cannot load the model at ${where}: it has the flavors ${present.join(', ')}${loader ? ` (python_function loader_module ${String(loader)})` : ''}, ` +
      `none of which labbook can load (it can load: ${loadableFlavorNames(plugins).join(', ')}). ` +
      'Log it with the onnx flavor (convert it to ONNX, e.g. with skl2onnx, and call mlflow.onnx.log_model) and install @labbook/plugin-onnx, or save it as a js_function model.',
    { field: 'flavor' },
  );
}
