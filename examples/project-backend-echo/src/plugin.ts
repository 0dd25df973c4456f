import { definePlugin } from '@labbook/core';
import { echoProjectBackend } from './echo-backend.js';

/** `--backend echo`; announced in package.json as `"labbook": { "projectBackends": ["echo"] }`. */
export default definePlugin({
  apiVersion: 2,
  name: 'labbook-project-backend-echo',
  projectBackends: { echo: echoProjectBackend },
});
