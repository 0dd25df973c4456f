import { createServer } from './app.js';
import type { RunningServer, ServerOptions } from './options.js';

/** Builds the server and listens; resolves once it accepts connections. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const app = await createServer(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 5000 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}${(options.staticPrefix ?? '').replace(/\/+$/, '')}`,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
