import { LabbookError } from '@labbook/core';
import { describe, expect, it } from 'vitest';
import { MysqlTrackingStore, parseMysqlUrl } from '../src/index.js';

describe('parseMysqlUrl', () => {
  it('reads MLflow-style URIs with driver suffixes and options', () => {
    expect(
      parseMysqlUrl('mysql+pymysql://u:p%40ss@db.example:3307/mlflow?ssl=true&pool_size=4&connect_timeout=5&query_timeout=2000'),
    ).toEqual({
      host: 'db.example',
      port: 3307,
      user: 'u',
      password: 'p@ss',
      database: 'mlflow',
      ssl: { rejectUnauthorized: true },
      connectionLimit: 4,
      connectTimeout: 5000,
      queryTimeout: 2000,
    });
    expect(parseMysqlUrl('mysql+mysqldb://root@localhost/db?ssl_ca=/ca.pem').ssl).toEqual({ rejectUnauthorized: true, caPath: '/ca.pem' });
    expect(parseMysqlUrl('mysql://h/db?ssl=skip-verify').ssl).toEqual({ rejectUnauthorized: false });
    expect(parseMysqlUrl('mysql://h/db').port).toBe(3306);
  });

  it('refuses what it cannot honour, without echoing credentials', () => {
    for (const bad of [
      'postgresql://u:secret@h/db',
      'mysql://u:secret@h/',
      'mysql://u:secret@h/db?pool_size=0',
      'mysql://u:secret@h/db?frobnicate=1',
    ]) {
      let err: unknown;
      try {
        parseMysqlUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(LabbookError.is(err) && err.code).toBe('INVALID_PARAMETER_VALUE');
      expect((err as Error).message).not.toContain('secret');
    }
  });

  it('constructs a store without touching the network', async () => {
    const store = new MysqlTrackingStore({ uri: 'mysql://nobody@192.0.2.1:1/never' });
    await store.close();
  });
});
