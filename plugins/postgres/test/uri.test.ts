import { LabbookError } from '@labbook/core';
import { describe, expect, it } from 'vitest';
import { PostgresTrackingStore, parsePostgresUrl } from '../src/index.js';

function failure(uri: unknown): LabbookError {
  try {
    parsePostgresUrl(uri as string);
  } catch (e) {
    if (LabbookError.is(e)) return e;
    throw e;
  }
  throw new Error('expected parsePostgresUrl to throw');
}

describe('parsePostgresUrl', () => {
  it('reads MLflow / SQLAlchemy URIs with driver suffixes and options', () => {
    expect(
      parsePostgresUrl(
        'postgresql+psycopg2://u%40corp:p%40ss%2Fw@db.example:5433/ml%20flow?sslmode=verify-full&sslrootcert=/ca.pem&pool_size=4&connect_timeout=5&statement_timeout=2000&application_name=lb',
      ),
    ).toEqual({
      host: 'db.example',
      port: 5433,
      user: 'u@corp',
      password: 'p@ss/w',
      database: 'ml flow',
      sslMode: 'verify-full',
      sslRootCert: '/ca.pem',
      poolSize: 4,
      connectTimeout: 5000,
      statementTimeout: 2000,
      applicationName: 'lb',
    });
    for (const scheme of ['postgresql', 'postgres', 'postgresql+psycopg', 'postgresql+pg8000', 'POSTGRESQL']) {
      expect(parsePostgresUrl(`${scheme}://h/db`)).toMatchObject({ host: 'h', port: 5432, database: 'db', sslMode: 'disable' });
    }
    expect(parsePostgresUrl('postgresql://h/db?query_timeout=30').statementTimeout).toBe(30);
    expect(parsePostgresUrl('postgresql://h/db?sslmode=require').sslMode).toBe('require');
    expect(parsePostgresUrl('postgresql://[::1]:6000/db')).toMatchObject({ host: '::1', port: 6000 });
    expect(parsePostgresUrl('postgresql://u@/db?host=/var/run/postgresql')).toMatchObject({ host: '/var/run/postgresql', user: 'u' });
    expect(parsePostgresUrl('postgresql:///db').host).toBe('127.0.0.1');
  });

  it('refuses what it cannot honour with the expected form, never echoing the password', () => {
    for (const bad of [
      'mysql://u:secret@h/db',
      'postgresql+asyncpg://u:secret@h/db',
      'postgresql://u:secret@h/',
      'postgresql://u:secret@h:99999/db',
      'postgresql://u:secret@h/db?pool_size=0',
      'postgresql://u:secret@h/db?connect_timeout=1.5',
      'postgresql://u:secret@h/db?sslmode=prefer',
      'postgresql://u:secret%zz@h/db',
      'not a uri secret',
    ]) {
      const e = failure(bad);
      expect(e.code, bad).toBe('INVALID_PARAMETER_VALUE');
      expect(e.message, bad).toContain('postgresql://user:password@host:port/database');
      expect(e.message, bad).not.toContain('secret');
    }
    expect(failure(42).code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('names every unknown option', () => {
    const e = failure('postgresql://u:secret@h/db?frobnicate=1&sslmode=disable&gssencmode=x');
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.message).toContain('unknown query options frobnicate, gssencmode');
    expect(e.message).not.toContain('secret');
  });

  it('fails at construction on a bad URI, and constructs a good one without touching the network', async () => {
    expect(() => new PostgresTrackingStore({ uri: 'postgresql://u:secret@h/db?nope=1' })).toThrow(/unknown query option nope/);
    expect(() => new PostgresTrackingStore({})).toThrow(/Give a URI of the form/);
    const store = new PostgresTrackingStore({ uri: 'postgresql://nobody@192.0.2.1:1/never' });
    await store.close();
  });
});
