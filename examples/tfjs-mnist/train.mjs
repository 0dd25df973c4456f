// A small MNIST-shaped classifier (28×28 inputs, 10 classes) on synthetic digits this script makes:
// each class is a fixed random template plus noise, so it learns in a few epochs without a download.
// autolog() logs params, per-epoch metrics and model_summary.txt; system metrics sample every second.
import { autolog } from '@labbook/tfjs';
import * as tf from '@tensorflow/tfjs';
import { enableSystemMetricsLogging, logImage, setExperiment, setSystemMetricsSamplingInterval, withRun } from 'labbook';

await tf.setBackend('cpu');
enableSystemMetricsLogging();
setSystemMetricsSamplingInterval(1);
autolog();

const N = 1000;
const templates = tf.randomUniform([10, 784], 0, 1, 'float32', 42);
const labels = tf.tensor1d(
  Array.from({ length: N }, (_, i) => i % 10),
  'int32',
);
const xs = tf.tidy(() =>
  tf
    .gather(templates, labels)
    .add(tf.randomNormal([N, 784], 0, 0.3, 'float32', 7))
    .clipByValue(0, 1),
);
const ys = tf.oneHot(labels, 10);

const model = tf.sequential();
model.add(tf.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }));
model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

await setExperiment('tfjs-mnist');
await withRun(
  async (run) => {
    const history = await model.fit(xs, ys, {
      epochs: 5,
      batchSize: 64,
      validationSplit: 0.2,
      verbose: 0,
      callbacks: [
        tf.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 }),
        // One synthetic digit per epoch, as an image series with a step slider on the run page.
        new tf.CustomCallback({
          onEpochEnd: async (epoch) => {
            const pixels = await xs
              .slice([epoch % 10, 0], [1, 784])
              .mul(255)
              .reshape([28 * 28])
              .data();
            await logImage({ data: Uint8Array.from(pixels), width: 28, height: 28, channels: 1 }, { key: 'digits/sample', step: epoch });
          },
        }),
      ],
    });
    const last = history.history.val_acc.at(-1);
    console.log(`run ${run.runId}: ${history.epoch.length} epochs, val_acc ${Number(last).toFixed(3)}`);
  },
  { runName: 'tfjs-mnist', logSystemMetrics: true },
);
console.log('Open the UI with: pnpm labbook ui   (or: npx labbook server) and look at experiment "tfjs-mnist".');
