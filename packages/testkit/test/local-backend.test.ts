// Core's built-in `local` backend passes the suite third-party backends must pass.
import { localProjectBackend } from '@labbook/core';
import { describeProjectBackend } from '../src/index.js';

describeProjectBackend({ name: 'local (built in)', create: (config) => localProjectBackend(config) });
