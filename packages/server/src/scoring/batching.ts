/**
 * Dynamic micro-batching: requests for a batch-first tensor model (first dimension -1 in the
 * signature) that are waiting at the same moment run as one `predict` over their rows stacked,
 * and the outputs are cut back into each request's rows. A runtime such as onnxruntime-node runs a
 * session synchronously, so concurrent requests queue behind each other anyway; one call over 16
 * small requests pays the per-call cost (feeds, output tensors, promise hops) once, and the
 * matrix kernels run faster on more rows.
 *
 * Requests parsed in the same turn of the event loop are gathered (a `setImmediate` flush), so a
 * lone client is never delayed by a timer. If the stacked call fails, every request is run on its
 * own, so one bad request gets its own error and the others their predictions; if the output
 * cannot be cut by rows, batching is turned off for the model and the requests run one by one.
 */
import type { Tensor } from '@labbook/core';

/** The most rows stacked into one call: bounds the memory and latency of a single batch. */
export const MAX_BATCH_ROWS = 4096;

interface Model {
  predict(input: unknown, params?: Record<string, unknown>): Promise<unknown> | unknown;
}

interface Pending {
  tensor: Tensor;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

function rowsOf(t: Tensor): number {
  return t.shape[0]!;
}

function sliceRows(t: Tensor, from: number, to: number, total: number): Tensor {
  const width = total === 0 ? 0 : t.data.length / total;
  const data = t.data as { subarray?(a: number, b: number): Tensor['data']; slice(a: number, b: number): Tensor['data'] };
  const part = ArrayBuffer.isView(t.data) ? data.subarray!(from * width, to * width) : data.slice(from * width, to * width);
  return { kind: 'tensor', dtype: t.dtype, shape: [to - from, ...t.shape.slice(1)], data: part };
}

function isTensorValue(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'tensor';
}

/** Each output cut into the requests' rows, or undefined when some output is not batch-first. */
function split(output: unknown, bounds: readonly number[], total: number): unknown[] | undefined {
  const cuttable = (t: Tensor) =>
    t.shape.length > 0 && t.shape[0] === total && t.data.length % Math.max(total, 1) === 0 && typeof t.data !== 'string';
  if (isTensorValue(output)) {
    if (!cuttable(output)) return undefined;
    return bounds.slice(1).map((to, k) => sliceRows(output, bounds[k]!, to, total));
  }
  if (typeof output !== 'object' || output === null || Object.getPrototypeOf(output) !== Object.prototype) return undefined;
  const entries = Object.entries(output);
  if (entries.length === 0 || !entries.every(([, v]) => isTensorValue(v) && cuttable(v))) return undefined;
  return bounds.slice(1).map((to, k) => {
    const part: Record<string, Tensor> = {};
    for (const [name, v] of entries) part[name] = sliceRows(v as Tensor, bounds[k]!, to, total);
    return part;
  });
}

/** Stacks the requests' tensors (same dtype and row shape, as the signature's fast path makes them). */
function stack(batch: readonly Pending[], total: number): Tensor {
  const first = batch[0]!.tensor;
  const width = first.data.length / rowsOf(first);
  const Typed = first.data.constructor as new (n: number) => Float32Array;
  const data = new Typed(total * width);
  let at = 0;
  for (const p of batch) {
    data.set(p.tensor.data as Float32Array, at);
    at += p.tensor.data.length;
  }
  return { kind: 'tensor', dtype: first.dtype, shape: [total, ...first.shape.slice(1)], data };
}

export class PredictBatcher {
  readonly #model: Model;
  /** Wraps a stacked tensor the way the requests' inputs were (by input name, or bare). */
  readonly #wrap: (t: Tensor) => unknown;
  #queue: Pending[] = [];
  #scheduled = false;
  #enabled = true;

  constructor(model: Model, wrap: (t: Tensor) => unknown) {
    this.#model = model;
    this.#wrap = wrap;
  }

  /** Predicts a request's tensor (fitting the signature), stacked with whatever else is waiting. */
  predict(tensor: Tensor): Promise<unknown> {
    if (!this.#enabled) return Promise.resolve().then(() => this.#model.predict(this.#wrap(tensor)));
    return new Promise((resolve, reject) => {
      this.#queue.push({ tensor, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    // Requests keep their arrival order; a batch closes before it would pass MAX_BATCH_ROWS.
    let batch: Pending[] = [];
    let rows = 0;
    for (const p of queue) {
      const r = rowsOf(p.tensor);
      if (batch.length > 0 && rows + r > MAX_BATCH_ROWS) {
        void this.#run(batch, rows);
        batch = [];
        rows = 0;
      }
      batch.push(p);
      rows += r;
    }
    if (batch.length > 0) void this.#run(batch, rows);
  }

  async #one(p: Pending): Promise<void> {
    try {
      // The request's own tensor, already fitting the signature: predict does not convert it again.
      p.resolve(await this.#model.predict(this.#wrap(p.tensor)));
    } catch (error) {
      p.reject(error);
    }
  }

  async #run(batch: Pending[], total: number): Promise<void> {
    if (batch.length === 1) return this.#one(batch[0]!);
    let output: unknown;
    try {
      output = await this.#model.predict(this.#wrap(stack(batch, total)));
    } catch {
      // Which request broke the batch is unknown: each runs alone and gets its own outcome.
      for (const p of batch) await this.#one(p);
      return;
    }
    const bounds = [0];
    for (const p of batch) bounds.push(bounds.at(-1)! + rowsOf(p.tensor));
    const parts = split(output, bounds, total);
    if (!parts) {
      this.#enabled = false;
      for (const p of batch) await this.#one(p);
      return;
    }
    for (const [k, p] of batch.entries()) p.resolve(parts[k]);
  }
}
