import type { Options } from 'tsup';

/** The one build shape every package shares: ESM first, CJS beside it, declarations for both. */
export function baseConfig(entry: string[] | Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    shims: true,
    ...extra,
  };
}
