import { definePlugin } from '../plugins/define-plugin.js';
import { dockerProjectBackend } from './docker-backend.js';
import { localProjectBackend } from './local-backend.js';

/** The project backends that ship in core; installed and registered plugins win over them. */
export const builtInProjectBackendsPlugin = definePlugin({
  apiVersion: 2,
  name: '@labbook/core (project backends)',
  projectBackends: { local: localProjectBackend, docker: dockerProjectBackend },
});
