// The testkit suites against the memory plugin, as a third-party author would run them.
import { randomUUID } from 'node:crypto';
import { describeArtifactRepository, describeRegistryStore, describeTrackingStore } from '@labbook/testkit';
import { MemoryArtifactRepository, MemoryRegistryStore, MemoryTrackingStore } from '../src/index.js';

describeTrackingStore({
  name: 'labbook-plugin-memory',
  create: async () => new MemoryTrackingStore(`memory://${randomUUID()}`),
  capabilities: { experimentIds: 'sequential', historyOrder: 'logged' },
});
describeRegistryStore({ name: 'labbook-plugin-memory', create: async () => new MemoryRegistryStore(`memory://${randomUUID()}`) });
describeArtifactRepository({ name: 'labbook-plugin-memory', create: async () => new MemoryArtifactRepository(`memory://${randomUUID()}`) });
