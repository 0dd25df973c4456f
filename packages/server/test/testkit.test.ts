import { rmSync } from 'node:fs';
import { RestRegistryStore, RestTrackingStore } from '@labbook/core';
import { describeRegistryStore, describeTrackingStore } from '@labbook/testkit';
import { fileServer } from './helpers.js';

// Each REST store talks to its own live server on a file store in a temp folder; cleanup stops it.
const servers = new WeakMap<object, Awaited<ReturnType<typeof fileServer>>>();

async function cleanup(store: object): Promise<void> {
  const s = servers.get(store);
  if (!s) return;
  await s.close();
  rmSync(s.root, { recursive: true, force: true });
}

describeTrackingStore({
  name: 'rest over file',
  create: async () => {
    const s = await fileServer();
    const store = new RestTrackingStore(s.url, { maxRetries: 0 });
    servers.set(store, s);
    return store;
  },
  cleanup,
  artifactLocationFor: (name) => `mlflow-artifacts:/custom/${name}`,
  capabilities: {
    experimentIds: 'random18',
    canDeleteDefaultExperiment: false,
    nanStorage: 'exact',
    infClamped: false,
    dedupesMetricPoints: false,
    historyOrder: 'logged',
    searchPaging: 'tokenWhenMore',
    deletedExperimentRunError: 'INVALID_STATE',
    loggedModels: true,
  },
});

describeRegistryStore({
  name: 'rest over file',
  create: async () => {
    const s = await fileServer();
    const store = new RestRegistryStore(s.url, { maxRetries: 0 });
    servers.set(store, s);
    return store;
  },
  cleanup,
});
