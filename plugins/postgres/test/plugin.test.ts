import { LabbookError } from '@labbook/core';
import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { PostgresRegistryStore, PostgresTrackingStore } from '../src/index.js';
import plugin from '../src/plugin.js';

describe('plugin', () => {
  it('serves the schemes its package.json announces, lazily', async () => {
    expect(plugin.name).toBe('@labbook/plugin-postgres');
    expect(Object.keys(plugin.trackingStores ?? {})).toEqual(pkg.labbook.tracking);
    expect(Object.keys(plugin.registryStores ?? {})).toEqual(pkg.labbook.registry);
    const t = await plugin.trackingStores!['postgresql+psycopg2']!('postgresql+psycopg2://u:p@192.0.2.1:1/db', {
      artifactRoot: 's3://b/root',
    });
    expect(t).toBeInstanceOf(PostgresTrackingStore);
    expect((t as PostgresTrackingStore).db.artifactRoot).toBe('s3://b/root');
    const r = await plugin.registryStores!.postgres!('postgres://u:p@192.0.2.1:1/db', {});
    expect(r).toBeInstanceOf(PostgresRegistryStore);
    await t.close?.();
    await r.close?.();
  });

  it('shares one database between a tracking and a registry store', async () => {
    const t = new PostgresTrackingStore({ uri: 'postgresql://u@192.0.2.1:1/db' });
    const r = await plugin.registryStores!.postgresql!('postgresql://u@192.0.2.1:1/db', { database: t.db });
    expect((r as PostgresRegistryStore).db).toBe(t.db);
    await t.close();
  });

  it('refuses factory options of the wrong type, naming the option and the type', () => {
    const failure = (options: Record<string, unknown>) => {
      try {
        plugin.trackingStores!.postgresql!('postgresql://u:p@192.0.2.1:1/db', options);
      } catch (error) {
        return error;
      }
      throw new Error('expected the factory to throw');
    };
    const e = failure({ pool: 'x' });
    expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e).toMatchObject({ field: 'pool', message: expect.stringContaining("option 'pool' must be a pg Pool") });
    expect(failure({ artifactRoot: 42 })).toMatchObject({
      field: 'artifactRoot',
      message: expect.stringContaining("option 'artifactRoot' must be a string"),
    });
    expect(failure({ createDatabase: 'no' })).toMatchObject({ field: 'createDatabase' });
    expect(failure({ database: {} })).toMatchObject({ field: 'database' });
    expect(() => plugin.trackingStores!.postgresql!('postgresql://u:secret@h/db?bogus=1', {})).toThrow(/unknown query option bogus/);
  });
});
