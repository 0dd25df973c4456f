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
});
