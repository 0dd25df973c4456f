import { LabbookError } from '@labbook/core';
import { describe, expect, it } from 'vitest';
import plugin from '../src/plugin.js';
import { MysqlRegistryStore, MysqlTrackingStore } from '../src/index.js';
import pkg from '../package.json' with { type: 'json' };

describe('plugin', () => {
  it('serves the schemes its package.json announces, lazily', async () => {
    expect(plugin.name).toBe('@labbook/plugin-mysql');
    expect(Object.keys(plugin.trackingStores ?? {})).toEqual(pkg.labbook.tracking);
    expect(Object.keys(plugin.registryStores ?? {})).toEqual(pkg.labbook.registry);
    const t = await plugin.trackingStores!['mysql+pymysql']!('mysql+pymysql://u:p@192.0.2.1:1/db', { artifactRoot: 's3://b/root' });
    expect(t).toBeInstanceOf(MysqlTrackingStore);
    expect((t as MysqlTrackingStore).db.artifactRoot).toBe('s3://b/root');
    const r = await plugin.registryStores!.mysql!('mysql://u:p@192.0.2.1:1/db', {});
    expect(r).toBeInstanceOf(MysqlRegistryStore);
    await t.close?.();
    await r.close?.();
  });

  it('refuses factory options of the wrong type, naming the option and the type', () => {
    const failure = (options: Record<string, unknown>) => {
      try {
        plugin.trackingStores!.mysql!('mysql://u:p@192.0.2.1:1/db', options);
      } catch (error) {
        return error;
      }
      throw new Error('expected the factory to throw');
    };
    const e = failure({ client: 'x' });
    expect(LabbookError.is(e) && e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e).toMatchObject({ field: 'client', message: expect.stringContaining("option 'client' must be a mysql2/promise pool") });
    expect(failure({ artifactRoot: 42 })).toMatchObject({
      field: 'artifactRoot',
      message: expect.stringContaining("option 'artifactRoot' must be a string, not a number"),
    });
    expect(failure({ createDatabase: 'no' })).toMatchObject({ field: 'createDatabase' });
  });
});
