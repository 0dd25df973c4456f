import { LabbookError } from '@labbook/core';
import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { SqliteRegistryStore, SqliteTrackingStore } from '../src/index.js';
import plugin from '../src/plugin.js';

describe('plugin', () => {
  it('serves the schemes its package.json announces, lazily', async () => {
    expect(plugin.name).toBe('@labbook/plugin-sqlite');
    expect(Object.keys(plugin.trackingStores ?? {})).toEqual(pkg.labbook.tracking);
    expect(Object.keys(plugin.registryStores ?? {})).toEqual(pkg.labbook.registry);
    const t = await plugin.trackingStores!.sqlite!('sqlite:////nonexistent-labbook/x.db', { artifactRoot: 's3://b/root' });
    expect(t).toBeInstanceOf(SqliteTrackingStore);
    expect((t as SqliteTrackingStore).db.artifactRoot).toBe('s3://b/root');
    const r = await plugin.registryStores!.sqlite!('sqlite://', {});
    expect(r).toBeInstanceOf(SqliteRegistryStore);
    await t.close?.();
    await r.close?.();
  });

  it('refuses factory options of the wrong type, naming the option', () => {
    let e: unknown;
    try {
      plugin.trackingStores!.sqlite!('sqlite://', { artifactRoot: 42 } as unknown as Record<string, string>);
    } catch (error) {
      e = error;
    }
    expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e).toMatchObject({ field: 'artifactRoot' });
    expect(() => plugin.trackingStores!.sqlite!('sqlite://', { database: {} })).toThrow(/SqliteDatabase/);
  });
});
