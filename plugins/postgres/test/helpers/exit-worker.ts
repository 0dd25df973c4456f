// A script that opens a store, does real work and never calls close(): it must exit by itself.
// `db`: the database alone (schema, a write, a read); `store`: the tracking store logging a run.
import { PostgresDatabase, PostgresTrackingStore } from '../../src/index.js';

const [url, mode] = process.argv.slice(2) as [string, 'db' | 'store'];
if (mode === 'db') {
  const db = new PostgresDatabase({ uri: url });
  await db.run("INSERT INTO experiments (name, lifecycle_stage) VALUES (?, 'active')", [`exit-${process.pid}`]);
  await db.transaction((c) => c.run('SELECT 1'), true);
  console.log(JSON.stringify(await db.query('SELECT COUNT(*) AS n FROM experiments')));
} else {
  const store = new PostgresTrackingStore({ uri: url });
  const experimentId = await store.createExperiment(`exit-${process.pid}`);
  const run = await store.createRun({ experimentId, runName: 'no close' });
  await store.logBatch(run.info.runId, {
    metrics: [{ key: 'loss', value: 0.5, timestamp: Date.now(), step: 0 }],
    params: [{ key: 'lr', value: '0.1' }],
    tags: [],
  });
  await store.updateRunInfo(run.info.runId, { status: 'FINISHED', endTime: Date.now() });
  console.log(JSON.stringify((await store.getRun(run.info.runId)).data.metrics));
}
