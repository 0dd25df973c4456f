import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LabbookError } from '../errors.js';
import type { ArtifactRepository } from '../interfaces/artifact-repository.js';
import type { ModelFlavor } from '../interfaces/model-flavor.js';
import type { GuardedRegistryStore, RegistryStore } from '../interfaces/registry-store.js';
import type { RunContextProvider } from '../interfaces/run-context-provider.js';
import type { GuardedTrackingStore, TrackingStore } from '../interfaces/tracking-store.js';
import type { ProjectBackend } from '../projects/project-backend.js';
import { validatedRegistryStore } from '../validation/validated-registry-store.js';
import { validatedTrackingStore } from '../validation/validated-tracking-store.js';
import type { AnyLabbookPlugin, LabbookPlugin, StoreFactoryOptions } from './define-plugin.js';
import { type DiscoveryResult, discoverPlugins, findPackageRoot } from './discovery.js';
import { firstPartyPackageFor } from './first-party.js';
import type { PluginKind, PluginManifest } from './manifest.js';
import { parseScheme, redactUri } from './scheme.js';
import { asCurrentPlugin } from './v1-adapter.js';

const FACTORY_FIELD = {
  tracking: 'trackingStores',
  registry: 'registryStores',
  artifacts: 'artifactRepositories',
  flavors: 'modelFlavors',
  projectBackends: 'projectBackends',
} as const satisfies Record<PluginKind, keyof LabbookPlugin>;

const KIND_NAME: Record<PluginKind, string> = {
  tracking: 'tracking store',
  registry: 'registry store',
  artifacts: 'artifact repository',
  flavors: 'model flavor',
  projectBackends: 'project backend',
};

/** One plugin as the registry knows it: registered in code, or announced by an installed package. */
export interface PluginInfo {
  name: string;
  source: 'registered' | 'installed' | 'built-in';
  /** The plugin contract version it was built for (known once loaded): 1 is served through core's v1 adapter. */
  apiVersion?: number;
  packageDir?: string;
  version?: string;
  tracking: string[];
  registry: string[];
  artifacts: string[];
  /** Model flavor names. */
  flavors: string[];
  /** Project backend names (`--backend`). */
  projectBackends: string[];
  loaded: boolean;
  loadError?: string;
}

function schemesOf(plugin: LabbookPlugin, kind: PluginKind): string[] {
  return Object.keys(plugin[FACTORY_FIELD[kind]] ?? {}).map((s) => s.toLowerCase());
}

/** Options of a {@link PluginRegistry}. */
export interface PluginRegistryOptions {
  /** Folders whose package.json dependencies are searched for plugins; default: the app root from the cwd. */
  roots?: string[];
}

/**
 * Finds store and repository factories by URI scheme: plugins registered in code first, then
 * installed packages that announce the scheme in their package.json, imported once, on first use.
 */
export class PluginRegistry {
  private readonly registered: LabbookPlugin[] = [];
  private readonly builtIns: LabbookPlugin[] = [];
  private discovery: DiscoveryResult | undefined;
  private readonly loading = new Map<string, Promise<LabbookPlugin>>();
  private readonly loadErrors = new Map<string, string>();
  private readonly roots?: string[];

  constructor(options: PluginRegistryOptions = {}) {
    if (options.roots) this.roots = options.roots;
  }

  /**
   * Adds a plugin in code; it wins over installed packages for the schemes it provides. A plugin of
   * contract v1 is adapted here, once.
   *
   * @throws LabbookError for a plugin built for a newer contract than this core supports
   */
  register(plugin: AnyLabbookPlugin): void {
    this.registered.unshift(asCurrentPlugin(plugin));
  }

  /** Adds a plugin that ships inside core (REST stores); installed and registered plugins win over it. */
  registerBuiltIn(plugin: AnyLabbookPlugin): void {
    this.builtIns.push(asCurrentPlugin(plugin));
  }

  /** Forgets discovered packages (tests, or after installing a package at run time). */
  rediscover(): void {
    this.discovery = undefined;
    this.loading.clear();
    this.loadErrors.clear();
  }

  /** The installed packages that announce plugins, read without importing them. */
  discovered(): DiscoveryResult {
    if (!this.discovery) this.discovery = discoverPlugins(this.discoveryRoots());
    return this.discovery;
  }

  private discoveryRoots(): string[] {
    if (this.roots) return this.roots;
    const roots: string[] = [];
    const envRoot = process.env.LABBOOK_APP_ROOT;
    if (envRoot) roots.push(resolve(envRoot));
    const app = findPackageRoot(process.cwd());
    if (app) roots.push(app);
    // The package that holds this copy of core: found when core is used through `labbook`.
    const here = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
    if (here) roots.push(here);
    const mainScript = process.argv[1];
    if (mainScript) {
      const scriptRoot = findPackageRoot(dirname(resolve(mainScript)));
      if (scriptRoot) roots.push(scriptRoot);
    }
    return roots;
  }

  /** Every plugin known, with what it provides, for `labbook plugins`. */
  list(): PluginInfo[] {
    const infos: PluginInfo[] = [];
    for (const p of this.registered) infos.push(this.infoOf(p, 'registered'));
    for (const m of this.discovered().manifests) {
      const loadError = this.loadErrors.get(m.packageName);
      infos.push({
        name: m.packageName,
        source: 'installed',
        packageDir: m.packageDir,
        version: m.version,
        tracking: m.tracking,
        registry: m.registry,
        artifacts: m.artifacts,
        flavors: m.flavors,
        projectBackends: m.projectBackends,
        loaded: this.loading.has(m.packageName) && !loadError,
        ...(loadError ? { loadError } : {}),
      });
    }
    for (const p of this.builtIns) infos.push(this.infoOf(p, 'built-in'));
    return infos;
  }

  private infoOf(p: LabbookPlugin, source: PluginInfo['source']): PluginInfo {
    return {
      name: p.name,
      source,
      apiVersion: p.apiVersion,
      tracking: schemesOf(p, 'tracking'),
      registry: schemesOf(p, 'registry'),
      artifacts: schemesOf(p, 'artifacts'),
      flavors: schemesOf(p, 'flavors'),
      projectBackends: schemesOf(p, 'projectBackends'),
      loaded: true,
    };
  }

  /** The schemes known for one kind, from every source. */
  knownSchemes(kind: PluginKind): string[] {
    const schemes = new Set<string>();
    for (const p of [...this.registered, ...this.builtIns]) for (const s of schemesOf(p, kind)) schemes.add(s);
    for (const m of this.discovered().manifests) for (const s of m[kind]) schemes.add(s);
    return [...schemes].sort();
  }

  private async load(manifest: PluginManifest): Promise<LabbookPlugin> {
    let pending = this.loading.get(manifest.packageName);
    if (!pending) {
      pending = (async () => {
        const file = join(manifest.packageDir, manifest.plugin);
        try {
          const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
          const plugin = unwrapDefault(mod) as AnyLabbookPlugin | undefined;
          if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string') {
            throw new LabbookError(
              'INTERNAL_ERROR',
              `[labbook] plugin ${manifest.packageName}: ${file} has no default export made by definePlugin()`,
            );
          }
          return asCurrentPlugin(plugin);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.loadErrors.set(manifest.packageName, message);
          throw LabbookError.is(error)
            ? error
            : new LabbookError('INTERNAL_ERROR', `[labbook] could not load plugin ${manifest.packageName} from ${file}: ${message}`, {
                cause: error,
              });
        }
      })();
      this.loading.set(manifest.packageName, pending);
    }
    return pending;
  }

  /** The plugin providing `scheme` for `kind`, importing an installed one on first use. */
  async pluginFor(kind: PluginKind, scheme: string): Promise<LabbookPlugin | undefined> {
    const field = FACTORY_FIELD[kind];
    const registered = this.registered.find((p) => p[field]?.[scheme] !== undefined);
    if (registered) return registered;
    const manifest = this.discovered().manifests.find((m) => m[kind].includes(scheme));
    if (manifest) {
      const plugin = await this.load(manifest);
      if (plugin[field]?.[scheme] === undefined) {
        throw new LabbookError(
          'INTERNAL_ERROR',
          `[labbook] plugin ${manifest.packageName} announces the ${KIND_NAME[kind]} scheme '${scheme}' in its package.json but provides no factory for it`,
        );
      }
      return plugin;
    }
    return this.builtIns.find((p) => p[field]?.[scheme] !== undefined);
  }

  private unknownScheme(kind: PluginKind, scheme: string, uri: string): LabbookError {
    const known = this.knownSchemes(kind);
    // Name a package only when one exists: a guessed `@labbook/plugin-<scheme>` sends people to install nothing.
    const pkg = firstPartyPackageFor(kind, scheme);
    const next = pkg
      ? `Install ${pkg} (it provides '${scheme}') and list it in your package.json dependencies, or register it with registerPlugin().`
      : `No first-party labbook plugin provides '${scheme}' for a ${KIND_NAME[kind]}: install a plugin that announces this scheme in its package.json and list it in your dependencies, or register one with registerPlugin().`;
    return new LabbookError(
      'INVALID_PARAMETER_VALUE',
      `[labbook] Unsupported URI scheme '${scheme}' for a ${KIND_NAME[kind]} (URI '${redactUri(uri)}'). ` +
        `Known schemes: ${known.length > 0 ? known.join(', ') : '(none)'}. ${next}`,
      { field: 'uri' },
    );
  }

  private async factoryFor(kind: PluginKind, uri: string) {
    const scheme = parseScheme(uri);
    const plugin = await this.pluginFor(kind, scheme);
    const factory = plugin?.[FACTORY_FIELD[kind]]?.[scheme];
    if (!factory) throw this.unknownScheme(kind, scheme, uri);
    return factory as (uri: string, options: StoreFactoryOptions) => unknown;
  }

  /** Builds the tracking store for a URI, behind core's guard (callers never wrap it again). */
  async trackingStore(uri: string, options: StoreFactoryOptions = {}): Promise<GuardedTrackingStore> {
    const store = (await (await this.factoryFor('tracking', uri))(uri, options)) as TrackingStore;
    return validatedTrackingStore(store);
  }

  /** Builds the registry store for a URI, behind core's guard. */
  async registryStore(uri: string, options: StoreFactoryOptions = {}): Promise<GuardedRegistryStore> {
    const store = (await (await this.factoryFor('registry', uri))(uri, options)) as RegistryStore;
    return validatedRegistryStore(store);
  }

  /** Builds the artifact repository rooted at a URI. */
  async artifactRepository(uri: string, options: StoreFactoryOptions = {}): Promise<ArtifactRepository> {
    return (await (
      await this.factoryFor('artifacts', uri)
    )(uri, options)) as ArtifactRepository;
  }

  /**
   * The model flavor named `name` (as under `flavors:` in MLmodel), importing the installed package
   * that announces it on first use; undefined when no plugin provides it.
   */
  async modelFlavor(name: string): Promise<ModelFlavor | undefined> {
    const plugin = await this.pluginFor('flavors', name.toLowerCase());
    const factory = plugin?.modelFlavors?.[name.toLowerCase()];
    return factory ? factory() : undefined;
  }

  /**
   * Builds the project backend named `name` (`--backend`): registered plugins, then installed packages
   * announcing it under `"projectBackends"`, then the built-in `local` and `docker`.
   */
  async projectBackend(name: string, config: Readonly<Record<string, unknown>> = {}): Promise<ProjectBackend> {
    const key = name.toLowerCase();
    const factory = (await this.pluginFor('projectBackends', key))?.projectBackends?.[key];
    if (!factory) {
      const known = this.knownSchemes('projectBackends');
      throw new LabbookError(
        'INVALID_PARAMETER_VALUE',
        `[labbook] Got unsupported execution mode '${name}': no project backend of that name. Known backends: ${known.length > 0 ? known.join(', ') : '(none)'}. ` +
          'Install a plugin that announces it under "projectBackends" in its package.json and list it in your dependencies, or register one with registerPlugin().',
        { field: 'backend' },
      );
    }
    return factory(config);
  }

  /** Run context providers of every registered plugin and of installed ones that declare `context`. */
  async runContextProviders(): Promise<RunContextProvider[]> {
    const providers: RunContextProvider[] = [];
    for (const p of this.builtIns) providers.push(...(p.runContextProviders ?? []));
    for (const m of this.discovered().manifests.filter((x) => x.context)) {
      try {
        providers.push(...((await this.load(m)).runContextProviders ?? []));
      } catch (error) {
        process.emitWarning(`[labbook] run context providers of ${m.packageName} skipped: ${(error as Error).message}`);
      }
    }
    for (const p of [...this.registered].reverse()) providers.push(...(p.runContextProviders ?? []));
    return providers;
  }
}

function unwrapDefault(mod: { default?: unknown }): unknown {
  // A CJS plugin imported from ESM arrives as { default: module.exports }, which may itself hold `default`.
  let value: unknown = mod.default ?? mod;
  if (value && typeof value === 'object' && 'default' in value && !('name' in value)) value = (value as { default: unknown }).default;
  return value;
}
