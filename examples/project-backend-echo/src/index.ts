export { echoProjectBackend, type EchoBackendConfig } from './echo-backend.js';
