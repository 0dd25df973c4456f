// The three tracking backends a cross-package test runs against: the file store in a temp folder,
// a fresh MySQL database (its plugin registered) and a labbook server with proxied artifacts. A
// backend that cannot start is undefined, with the reason printed (serviceAvailable fails the
// suite under CI=true). Everything is removed after the file's tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerPlugin, resetFluentState } from '@labbook/core';
import { type RunningServer, startServer } from '@labbook/server';
import { afterAll } from 'vitest';
import { createMysqlTestDatabase, type MysqlDriver, type MysqlTestDatabase } from './mysql.js';
import { serviceAvailable } from './service.js';

/** What {@link startBackends} started. */
export interface Backends {
  /** A temp folder of this test file (removed afterwards). */
  dir: string;
  mysql: MysqlTestDatabase | undefined;
  server: RunningServer | undefined;
  /** Runs `fn` after the file's tests, before the backends stop. */
  onCleanup(fn: () => Promise<unknown> | unknown): void;
}

async function service<T>(name: string, start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (error) {
    serviceAvailable(name, error);
    return undefined;
  }
}

/** Starts the backends for one test file; `prefix` names its folder and database. */
export async function startBackends(prefix: string): Promise<Backends> {
  const dir = mkdtempSync(join(tmpdir(), `labbook-${prefix}-`));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    resetFluentState();
    for (const c of cleanups.reverse()) await c();
  };
  afterAll(cleanUp);
  try {
    return await start(prefix, dir, cleanups);
  } catch (error) {
    // A backend missing under CI throws while the file is collected, when afterAll never runs: without
    // this, the temp folder and an already created database would be left behind.
    await cleanUp();
    throw error;
  }
}

async function start(prefix: string, dir: string, cleanups: (() => Promise<unknown> | unknown)[]): Promise<Backends> {
  const root = join(import.meta.dirname, '..', '..');
  const mysql2 = createRequire(join(root, 'plugins', 'mysql', 'package.json'))('mysql2/promise') as MysqlDriver;
  const mysql = await service<MysqlTestDatabase>('MySQL', () => createMysqlTestDatabase(mysql2, `labbook_${prefix.replace(/\W/g, '_')}`));
  if (mysql) {
    cleanups.push(() => mysql.drop());
    const mod = await import(pathToFileURL(join(root, 'plugins', 'mysql', 'dist', 'plugin.js')).href);
    registerPlugin(mod.default);
  }
  const server = await service<RunningServer>('labbook server', () =>
    startServer({
      backendStoreUri: join(dir, 'server-mlruns'),
      serveArtifacts: true,
      artifactsDestination: join(dir, 'server-artifacts'),
      host: '127.0.0.1',
      port: 0,
    }),
  );
  if (server) cleanups.push(() => server.close());
  return { dir, mysql, server, onCleanup: (fn) => cleanups.push(fn) };
}
