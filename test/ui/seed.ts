/**
 * A server on a temp file store, seeded through labbook's own REST client the way a training job
 * would log: experiments, runs with params, metric histories and tags, artifacts of every previewed
 * kind, and a registered model with versions, stages and an alias.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { type RunningServer, startServer } from '@labbook/server';
import { Client, logFigure, setTrackingUri } from 'labbook';

/**
 * A valid RGB PNG drawn by `pixel(x, y)` (the image preview must decode it), made without an image
 * library: IHDR, one deflated IDAT of filter-0 scanlines, IEND.
 */
export function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
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
  const rows = Array.from({ length: height }, (_, y) => Buffer.from([0, ...Array.from({ length: width }, (_, x) => pixel(x, y)).flat()]));
  const pixels = deflateSync(Buffer.concat(rows));
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A 5-class confusion matrix as a heat map, 240 x 240: something worth previewing in a screenshot. */
export const CONFUSION_PNG = png(240, 240, (x, y) => {
  const row = Math.floor(y / 48);
  const col = Math.floor(x / 48);
  if (x % 48 === 47 || y % 48 === 47) return [255, 255, 255];
  const share = row === col ? 0.8 + 0.04 * row : 0.04 * ((row * 3 + col * 7) % 5);
  const t = Math.min(1, share);
  return [Math.round(240 - 205 * t), Math.round(245 - 150 * t), Math.round(255 - 75 * t)];
});

/** Steps of the long history: more than the 1,500 buckets a run's chart asks for. */
export const LONG_STEPS = 20_000;

export interface Seeded {
  server: RunningServer;
  /** What the server logged at level error (a 5xx's cause), for a test's failure message. */
  serverErrors: string[];
  root: string;
  experimentId: string;
  runIds: string[];
  /** A run (in an experiment of its own) whose metric is longer than a chart's buckets. */
  longRunId: string;
}

/** Starts the server and logs the seed data; `runs` runs with `steps` metric points each. */
export async function seededServer(options: { runs?: number; steps?: number; staticPrefix?: string } = {}): Promise<Seeded> {
  const root = mkdtempSync(join(tmpdir(), 'labbook-ui-'));
  // Errors only: a 5xx seen by the browser is reported with its cause instead of a bare status.
  const serverErrors: string[] = [];
  const errorLog = new Writable({
    write(chunk: Buffer, _encoding, done) {
      serverErrors.push(chunk.toString());
      done();
    },
  });
  const server = await startServer({
    port: 0,
    logger: { level: 'error', stream: errorLog },
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
    const run = await client.createRun(experimentId, {
      runName: `run-${i}`,
      startTime: Date.now() - (n - i) * 60_000,
      tags: { team: i % 2 ? 'vision' : 'nlp' },
    });
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
  // A metric only one run has: compare must chart it for that run and leave the others out.
  await client.logBatch(first, {
    metrics: [0, 1, 2].map((s) => ({ key: 'val_accuracy', value: 0.6 + s * 0.1, timestamp: Date.now(), step: s * 10 })),
  });
  await client.logText(first, 'epoch 1: loss 2.0\nepoch 2: loss 1.0\n', 'logs/train.log');
  await client.logDict(first, { layers: 12, dropout: 0.1 }, 'config.json');
  await client.logText(first, 'step,loss,accuracy\n0,2.0,0.5\n1,1.0,0.61\n', 'metrics.csv');
  await client.logImage(first, CONFUSION_PNG, 'plots/confusion.png');
  await client.logText(first, 'flavors:\n  python_function: {}\n', 'model/MLmodel');
  await client.registerModel(`runs:/${first}/model`, 'classifier', { tags: { owner: 'ml-team' } });
  await client.registerModel(`runs:/${runIds[1] ?? first}/model`, 'classifier');
  await client.transitionModelVersionStage('classifier', '2', 'Production');
  await client.setRegisteredModelAlias('classifier', 'champion', '2');
  // A noisy history of 20,000 steps with rare spikes: the server buckets it, and the chart's min/max
  // band must keep the spikes.
  const longExperiment = await client.createExperiment('long-history');
  const long = await client.createRun(longExperiment, { runName: 'long-run' });
  const longRunId = long.info.runId;
  const t1 = Date.now();
  for (let start = 0; start < LONG_STEPS; start += 1000) {
    await client.logBatch(longRunId, {
      metrics: Array.from({ length: 1000 }, (_, j) => {
        const step = start + j;
        const spike = step % 4999 === 0 ? 1.5 : 0;
        return {
          key: 'noisy_loss',
          value: 2 * Math.exp(-step / 6000) + 0.15 * Math.sin(step / 37) * Math.cos(step / 11) + spike,
          timestamp: t1 + step * 10,
          step,
        };
      }),
    });
  }
  await client.setTerminated(longRunId, 'FINISHED');
  await client.close?.();
  return { server, serverErrors, root, experimentId, runIds, longRunId };
}

export interface SeededLoggedModels {
  experimentId: string;
  /** Model ids by name (`zoo-0` …), in the order logged. */
  modelIds: Map<string, string>;
  /** The accuracy each model carries, by name. */
  accuracy: Map<string, number>;
  runIds: string[];
  /** The registered model whose version 1 was made from `zoo-0`. */
  registeredName: string;
}

/**
 * MLflow 3 logged models, the way `log_model` makes them over REST: one js_function model per run of
 * an experiment of their own (other tests count the seeded experiment's runs), the run's params and
 * step-0 metrics carried over, the first one registered.
 */
export async function seedLoggedModels(seeded: Seeded, count = 4): Promise<SeededLoggedModels> {
  const client = new Client({ trackingUri: seeded.server.url });
  const experimentId = await client.createExperiment('model-zoo');
  const module = join(seeded.root, 'double.mjs');
  writeFileSync(module, 'export function predict(input) { return input.data.x.map((x) => x * 2); }\n');
  const modelIds = new Map<string, string>();
  const accuracy = new Map<string, number>();
  const runIds: string[] = [];
  const registeredName = 'zoo-classifier';
  for (let i = 0; i < count; i++) {
    const name = `zoo-${i}`;
    const run = await client.createRun(experimentId, { runName: `train-${name}` });
    const id = run.info.runId;
    runIds.push(id);
    // Not monotone in i: a sort by accuracy must differ from the creation order.
    const acc = [0.71, 0.93, 0.64, 0.88, 0.79, 0.9][i % 6] as number;
    accuracy.set(name, acc);
    await client.logBatch(id, {
      params: [
        { key: 'lr', value: String(0.01 * (i + 1)) },
        { key: 'depth', value: String(3 + i) },
      ],
      metrics: [
        { key: 'accuracy', value: acc, timestamp: Date.now(), step: 0 },
        { key: 'f1', value: acc - 0.05, timestamp: Date.now(), step: 0 },
      ],
    });
    const info = await client.logModel(id, module, {
      flavor: 'js_function',
      name,
      modelType: 'classifier',
      inputExample: [{ x: 1.5 }],
      ...(i === 0 ? { registeredModelName: registeredName } : {}),
    });
    if (!info.modelId) throw new Error('The server did not create a logged model: are logged models enabled in its store?');
    modelIds.set(name, info.modelId);
    await client.setTerminated(id, 'FINISHED');
  }
  await client.close?.();
  return { experimentId, modelIds, accuracy, runIds, registeredName };
}

/** The bars of the seeded figure: the browser test finds them in the drawn chart. */
export const FIGURE_BARS = [
  // Not in the order of recall: the chart's sort must put cat, dog, bird, fish.
  { label: 'bird', recall: 0.71 },
  { label: 'cat', recall: 0.92 },
  { label: 'fish', recall: 0.64 },
  { label: 'dog', recall: 0.88 },
];

/**
 * A Vega-Lite figure logged with the fluent `logFigure` as both of its forms, the spec as JSON and the
 * page as HTML, into a run of an experiment of its own (other tests count the seeded experiment's
 * runs). The spec has a tooltip, a sort and a computed field: all of them need Vega's expressions,
 * which is where a CSP without 'unsafe-eval' bites.
 * @returns the run's id and the artifact paths
 */
export async function seedFigure(seeded: Seeded): Promise<{ runId: string; json: string; html: string }> {
  const client = new Client({ trackingUri: seeded.server.url });
  const experimentId = await client.createExperiment('figures');
  const run = await client.createRun(experimentId, { runName: 'with-figure' });
  const runId = run.info.runId;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Recall by class',
    data: { values: FIGURE_BARS },
    transform: [{ calculate: 'round(datum.recall * 100)', as: 'percent' }],
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'label', type: 'nominal', sort: '-y', title: 'class' },
      y: { field: 'percent', type: 'quantitative', title: 'recall (%)' },
    },
  };
  const json = 'figures/recall.json';
  const html = 'figures/recall.html';
  setTrackingUri(seeded.server.url);
  try {
    await logFigure(spec, json, { runId });
    await logFigure(spec, html, { runId });
  } finally {
    setTrackingUri(undefined);
  }
  await client.setTerminated(runId, 'FINISHED');
  await client.close?.();
  return { runId, json, html };
}
