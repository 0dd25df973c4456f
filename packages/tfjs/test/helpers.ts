import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, registerPlugin, resetFluentState, setTrackingUri } from '@labbook/core';
import filePlugin from '@labbook/plugin-file/plugin';
import * as tf from '@tensorflow/tfjs';

let registered = false;

/** A fresh file store in a temp folder, set as the fluent API's tracking URI. */
export function freshStore(): { store: string; client: Client } {
  if (!registered) {
    registerPlugin(filePlugin);
    registered = true;
  }
  const store = join(mkdtempSync(join(tmpdir(), 'labbook-tfjs-')), 'mlruns');
  resetFluentState();
  setTrackingUri(store);
  return { store, client: new Client({ trackingUri: store }) };
}

/** A small compiled classifier and synthetic data it can learn (two blobs). */
export function smallModel(seed = 1): { model: tf.Sequential; xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const n = 64;
  const x: number[] = [];
  const y: number[] = [];
  let s = seed;
  const rand = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    x.push(rand() + c * 2, rand() - c);
    y.push(c === 0 ? 1 : 0, c);
  }
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return { model, xs: tf.tensor2d(x, [n, 2]), ys: tf.tensor2d(y, [n, 2]) };
}
