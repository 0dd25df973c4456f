/** What a package announces in the `labbook` field of its package.json, read without importing it. */
export interface PluginManifest {
  /** The package name. */
  packageName: string;
  /** The package's version. */
  version: string;
  /** Absolute path of the package's folder. */
  packageDir: string;
  /** Path of the plugin module, relative to the package folder (`./dist/plugin.js`). */
  plugin: string;
  tracking: string[];
  registry: string[];
  artifacts: string[];
  /** Model flavor names the package provides (`"flavors": ["onnx"]`), loaded when a model of that flavor is. */
  flavors: string[];
  /** Project backend names (`"projectBackends": ["echo"]`), the `--backend` values the package provides. */
  projectBackends: string[];
  /** True when the package declares run context providers (`"context": true`). */
  context: boolean;
}

/** The kinds of things a plugin provides by scheme (for `flavors`: by flavor name). */
export type PluginKind = 'tracking' | 'registry' | 'artifacts' | 'flavors' | 'projectBackends';

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase()) : [];
}

/** Reads a manifest from a parsed package.json, or undefined when it has no `labbook` plugin field. */
export function manifestFromPackageJson(pkg: Record<string, unknown>, packageDir: string): PluginManifest | undefined {
  const field = pkg.labbook;
  if (typeof field !== 'object' || field === null) return undefined;
  const f = field as Record<string, unknown>;
  if (typeof f.plugin !== 'string') return undefined;
  return {
    packageName: String(pkg.name ?? packageDir),
    version: String(pkg.version ?? '0.0.0'),
    packageDir,
    plugin: f.plugin,
    tracking: stringList(f.tracking),
    registry: stringList(f.registry),
    artifacts: stringList(f.artifacts),
    flavors: stringList(f.flavors),
    projectBackends: stringList(f.projectBackends),
    context: f.context === true,
  };
}
