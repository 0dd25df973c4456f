import { describe, expect, it } from 'vitest';
import { LabbookError, MetricQueue, splitBatch, type Metric } from '../src/index.js';

const m = (i: number): Metric => ({ key: `k${i % 7}`, value: i, timestamp: i, step: i });

describe('splitBatch', () => {
  it('splits into requests within MLflow limits, keeping order', () => {
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    const metrics = Array.from({ length: 2500 }, (_, i) => m(i));
    const parts = splitBatch({ params, metrics });
    for (const part of parts) {
      expect(part.params.length).toBeLessThanOrEqual(100);
      expect(part.metrics.length + part.params.length + part.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(parts.flatMap((p) => p.metrics).map((x) => x.value)).toEqual(metrics.map((x) => x.value));
    expect(parts.flatMap((p) => p.params).length).toBe(250);
    expect(splitBatch({})).toEqual([]);
  });
});

describe('MetricQueue', () => {
  it('batches by size, keeps per-run order and waits on flush', async () => {
    const sent: { runId: string; n: number; first: number }[] = [];
    const q = new MetricQueue(
      async (runId, metrics) => {
        await new Promise((r) => setTimeout(r, 1));
        sent.push({ runId, n: metrics.length, first: metrics[0]!.value });
      },
      { batchSize: 100, lingerMs: 10_000 },
    );
    for (let i = 0; i < 250; i++) q.push('a', Promise.resolve('run-a'), m(i));
    q.push('b', Promise.resolve('run-b'), m(0));
    await q.flush();
    expect(sent.filter((s) => s.runId === 'run-a').map((s) => [s.n, s.first])).toEqual([
      [100, 0],
      [100, 100],
      [50, 200],
    ]);
    expect(sent.find((s) => s.runId === 'run-b')?.n).toBe(1);
    expect(q.size).toBe(0);
  });

  it('sends lingering points after the linger time', async () => {
    let got = 0;
    const q = new MetricQueue(
      async (_r, metrics) => {
        got += metrics.length;
      },
      { lingerMs: 5 },
    );
    q.push('a', Promise.resolve('r'), m(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toBe(1);
  });

  it('reports a failed send on the next flush, never silently', async () => {
    const q = new MetricQueue(async () => {
      throw new LabbookError('RESOURCE_DOES_NOT_EXIST', 'Run with id=x not found');
    });
    q.push('a', Promise.resolve('x'), m(1));
    await expect(q.flush()).rejects.toThrow(/not found/);
    await expect(q.flush()).resolves.toBeUndefined();
  });
});

describe('diagnostics channels', () => {
  it('publishes logBatch on a tracing channel when someone listens', async () => {
    const { tracingChannel } = await import('node:diagnostics_channel');
    const { validatedTrackingStore } = await import('../src/index.js');
    const seen: unknown[] = [];
    const handlers = { start: (ctx: unknown) => seen.push(ctx), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    tracingChannel('labbook.tracking.logBatch').subscribe(handlers);
    const store = validatedTrackingStore({ logBatch: async () => undefined } as never);
    await store.logBatch('0123456789abcdef0123456789abcdef', { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
    tracingChannel('labbook.tracking.logBatch').unsubscribe(handlers);
    expect(seen).toEqual([{ runId: '0123456789abcdef0123456789abcdef', metrics: 1, params: 0, tags: 0 }]);
  });
});
