/**
 * A server on a temp file store, seeded through labbook's own REST client the way a training job
 * would log: experiments, runs with params, metric histories and tags, artifacts of every previewed
 * kind, and a registered model with versions, stages and an alias.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { type RunningServer, startServer } from '@labbook/server';
import { Client } from 'labbook';

/** A valid RGB PNG of one colour (the image preview must decode it). */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

export const PNG = solidPng(40, 30, [220, 40, 40]);

export interface Seeded {
  server: RunningServer;
  root: string;
  experimentId: string;
  runIds: string[];
}

/** Starts the server and logs the seed data; `runs` runs with `steps` metric points each. */
export async function seededServer(options: { runs?: number; steps?: number; staticPrefix?: string } = {}): Promise<Seeded> {
  const root = mkdtempSync(join(tmpdir(), 'labbook-ui-'));
  const server = await startServer({
    port: 0,
    logger: false,
    backendStoreUri: join(root, 'mlruns'),
    artifactsDestination: join(root, 'mlartifacts'),
    ...(options.staticPrefix ? { staticPrefix: options.staticPrefix } : {}),
  });
  const client = new Client({ trackingUri: server.url });
  const experimentId = await client.createExperiment('image-classifier');
  await client.createExperiment('empty-experiment');
  const runIds: string[] = [];
  const n = options.runs ?? 6;
  const steps = options.steps ?? 50;
  for (let i = 0; i < n; i++) {
    const run = await client.createRun(experimentId, { runName: `run-${i}`, startTime: Date.now() - (n - i) * 60_000, tags: { team: i % 2 ? 'vision' : 'nlp' } });
    const id = run.info.runId;
    runIds.push(id);
    const t0 = Date.now();
    await client.logBatch(id, {
      params: [
        { key: 'lr', value: String(0.1 / (i + 1)) },
        { key: 'optimizer', value: i % 2 ? 'adam' : 'sgd' },
        { key: 'epochs', value: '10' },
      ],
      metrics: Array.from({ length: steps }, (_, s) => [
        { key: 'loss', value: 2 / (s + 1) + i * 0.01, timestamp: t0 + s * 1000, step: s },
        { key: 'accuracy', value: 0.5 + 0.4 * (1 - Math.exp(-s / 10)) + i * 0.015, timestamp: t0 + s * 1000, step: s },
      ]).flat(),
    });
    await client.setTerminated(id, 'FINISHED', t0 + steps * 1000);
  }
  const first = runIds[0] as string;
  await client.logText(first, 'epoch 1: loss 2.0\nepoch 2: loss 1.0\n', 'logs/train.log');
  await client.logDict(first, { layers: 12, dropout: 0.1 }, 'config.json');
  await client.logText(first, 'step,loss,accuracy\n0,2.0,0.5\n1,1.0,0.61\n', 'metrics.csv');
  await client.logImage(first, PNG, 'plots/confusion.png');
  await client.logText(first, 'flavors:\n  python_function: {}\n', 'model/MLmodel');
  await client.registerModel(`runs:/${first}/model`, 'classifier', { tags: { owner: 'ml-team' } });
  await client.registerModel(`runs:/${runIds[1] ?? first}/model`, 'classifier');
  await client.transitionModelVersionStage('classifier', '2', 'Production');
  await client.setRegisteredModelAlias('classifier', 'champion', '2');
  await client.close?.();
  return { server, root, experimentId, runIds };
}
