// The testkit suite against the echo backend, as a third-party author would run it.
import { describeProjectBackend } from '@labbook/testkit';
import { echoProjectBackend } from '../src/index.js';

describeProjectBackend({ name: 'labbook-project-backend-echo', create: (config) => echoProjectBackend(config) });
