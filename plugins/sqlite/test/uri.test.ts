import { LabbookError } from '@labbook/core';
import { describe, expect, it } from 'vitest';
import { parseSqliteUri, SqliteTrackingStore } from '../src/index.js';

describe('parseSqliteUri', () => {
  it("reads MLflow's forms", () => {
    expect(parseSqliteUri('sqlite:///mlflow.db', '/work/dir')).toEqual({ filename: '/work/dir/mlflow.db', busyTimeout: 5000 });
    expect(parseSqliteUri('sqlite:///sub/dir/m.db', '/w')).toEqual({ filename: '/w/sub/dir/m.db', busyTimeout: 5000 });
    expect(parseSqliteUri('sqlite:////abs/path/m.db', '/w')).toEqual({ filename: '/abs/path/m.db', busyTimeout: 5000 });
    expect(parseSqliteUri('sqlite:////abs/my%20file.db?busy_timeout=250')).toEqual({ filename: '/abs/my file.db', busyTimeout: 250 });
    expect(parseSqliteUri('sqlite:////abs/m.db?timeout=2.5').busyTimeout).toBe(2500);
  });

  it('reads the in-memory forms as one database', () => {
    for (const uri of ['sqlite://', 'sqlite:///', 'sqlite:///:memory:', 'sqlite:///:memory:?busy_timeout=1']) {
      const s = parseSqliteUri(uri);
      expect(s.filename).toBeUndefined();
      expect(s.memoryKey).toBe('sqlite:///:memory:');
    }
  });

  it('refuses what it cannot honour, naming what to write', () => {
    for (const bad of ['mysql://h/db', 'sqlite:/x.db', 'sqlite://host/x.db', 'sqlite:///x.db?busy_timeout=-1', 'sqlite:///x.db?pool=3']) {
      let err: unknown;
      try {
        parseSqliteUri(bad);
      } catch (e) {
        err = e;
      }
      expect(LabbookError.is(err) && err.code, bad).toBe('INVALID_PARAMETER_VALUE');
      expect((err as Error).message).toMatch(/^\[labbook\] \[sqlite\] /);
    }
  });

  it('constructs a store without opening anything', async () => {
    const store = new SqliteTrackingStore({ uri: 'sqlite:////nonexistent-labbook-folder/never.db' });
    await store.close();
  });
});
