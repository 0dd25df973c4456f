import type { PluginKind } from './manifest.js';

/**
 * The first-party plugin packages and the schemes each announces in its package.json, so an error
 * for an unknown scheme can name a package that exists. Kept in step with plugins/*\/package.json by
 * test/plugin-schemes.test.ts; a scheme missing here gets the generic hint, never a guessed name.
 * Kinds a package does not provide may be left out (the project backends `local` and `docker` ship in
 * core, so no package lists `projectBackends` yet).
 */
export const FIRST_PARTY_PLUGINS: Readonly<
  Record<
    string,
    Readonly<Record<'tracking' | 'registry' | 'artifacts', readonly string[]> & Partial<Record<PluginKind, readonly string[]>>>
  >
> = {
  '@labbook/plugin-file': { tracking: ['file'], registry: ['file'], artifacts: ['file'] },
  '@labbook/plugin-mysql': {
    tracking: ['mysql', 'mysql+pymysql', 'mysql+mysqldb'],
    registry: ['mysql', 'mysql+pymysql', 'mysql+mysqldb'],
    artifacts: [],
  },
  '@labbook/plugin-postgres': {
    tracking: ['postgresql', 'postgres', 'postgresql+psycopg2', 'postgresql+psycopg', 'postgresql+pg8000'],
    registry: ['postgresql', 'postgres', 'postgresql+psycopg2', 'postgresql+psycopg', 'postgresql+pg8000'],
    artifacts: [],
  },
  '@labbook/plugin-sqlite': { tracking: ['sqlite'], registry: ['sqlite'], artifacts: [] },
  '@labbook/plugin-s3': { tracking: [], registry: [], artifacts: ['s3', 'r2'] },
  '@labbook/plugin-azure-blob': { tracking: [], registry: [], artifacts: ['wasbs'] },
  '@labbook/plugin-sftp': { tracking: [], registry: [], artifacts: ['sftp'] },
  '@labbook/plugin-onnx': { tracking: [], registry: [], artifacts: [], flavors: ['onnx'] },
  '@labbook/tfjs': { tracking: [], registry: [], artifacts: [], flavors: ['tfjs'] },
};

/** The first-party package that provides `scheme` for `kind`, if there is one. */
export function firstPartyPackageFor(kind: PluginKind, scheme: string): string | undefined {
  const wanted = scheme.toLowerCase();
  for (const [name, schemes] of Object.entries(FIRST_PARTY_PLUGINS)) {
    if (schemes[kind]?.includes(wanted)) return name;
  }
  return undefined;
}
