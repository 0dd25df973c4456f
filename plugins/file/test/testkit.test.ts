import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeArtifactRepository, describeRegistryStore, describeTrackingStore } from '@labbook/testkit';
import { FileRegistryStore, FileTrackingStore, LocalArtifactRepository } from '../src/index.js';
import { tempRoot } from './helpers/temp-root.js';

// Each store gets its own folder; cleanup removes it.
const roots = new WeakMap<object, string>();

function trackingStore(): FileTrackingStore {
  const root = join(tempRoot('labbook-kit-'), 'mlruns');
  const store = new FileTrackingStore({ root, fsync: false });
  roots.set(store, root);
  return store;
}

async function cleanup(store: object): Promise<void> {
  const root = roots.get(store);
  if (root) rmSync(join(root, '..'), { recursive: true, force: true });
}

describeTrackingStore({
  name: 'file',
  create: async () => trackingStore(),
  cleanup,
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
  name: 'file',
  create: async () => {
    const root = join(tempRoot('labbook-kit-'), 'mlruns');
    const store = new FileRegistryStore({ root, fsync: false });
    roots.set(store, root);
    return store;
  },
  cleanup,
});

describeArtifactRepository({
  name: 'file',
  create: async () => {
    const root = join(tempRoot('labbook-kit-'), 'artifacts');
    const repo = new LocalArtifactRepository(root);
    roots.set(repo, root);
    return repo;
  },
  cleanup,
  capabilities: { symlinks: true, localRoot: (repo) => (repo as LocalArtifactRepository).rootPath },
});
