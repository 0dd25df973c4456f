import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../test/harness/service.js';
import { MysqlTrackingStore } from '../src/index.js';
import { mysql } from './helpers/db.js';
import { PrivateMariadb } from './helpers/private-server.js';

let server: PrivateMariadb | undefined;
let startError: unknown;
try {
  server = await PrivateMariadb.create();
  await server.start();
} catch (error) {
  startError = error;
  await server?.destroy().catch(() => undefined);
  server = undefined;
}
const available = serviceAvailable('private MariaDB (mariadb-install-db + mariadbd)', startError);

describe.runIf(available)('a restarted server', () => {
  let store: MysqlTrackingStore;

  beforeAll(async () => {
    const c = await mysql.createConnection({ uri: server!.url });
    await c.query('CREATE DATABASE restart_test');
    await c.end();
    store = new MysqlTrackingStore({ uri: `${server!.url}/restart_test?pool_size=3` });
  });
  afterAll(async () => {
    await store?.close().catch(() => undefined);
    await server?.destroy();
  });

  it('is survived by the pool: idempotent writes and reads carry on', async () => {
    const { info } = await store.createRun({ experimentId: '0' });
    await store.logBatch(info.runId, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
    // Several pooled connections are open and idle when the server goes away.
    await Promise.all([store.getRun(info.runId), store.getRun(info.runId), store.getRun(info.runId)]);
    await server!.stop();
    await server!.start();
    await store.logBatch(info.runId, { metrics: [{ key: 'm', value: 2, timestamp: 2, step: 1 }] });
    const runs = await Promise.all([store.getRun(info.runId), store.getRun(info.runId), store.getRun(info.runId)]);
    expect(runs.map((r) => r.data.metrics[0]?.value)).toEqual([2, 2, 2]);
    expect((await store.getMetricHistory(info.runId, 'm')).items).toHaveLength(2);
  }, 60_000);
});
