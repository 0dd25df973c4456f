// A small "training loop" logged with labbook's fluent API into ./mlruns (the embedded file store).
// Run it from the repository root with `pnpm demo`, then look with `labbook runs list` or `labbook ui`.
import { resolve } from 'node:path';
import { getTrackingUri, logDict, logMetric, logParams, logText, setExperiment, setTag, withRun } from 'labbook';

const params = { learning_rate: 0.05, epochs: 20, batch_size: 32, optimizer: 'sgd' };

// A made-up model whose loss decays and whose accuracy saturates, with a little noise.
function trainEpoch(epoch) {
  const noise = Math.sin(epoch * 12.9898) * 0.01;
  const loss = 2.3 * Math.exp(-params.learning_rate * 3 * epoch) + 0.05 + noise;
  const accuracy = 1 - 0.9 * Math.exp(-params.learning_rate * 4 * epoch) - noise;
  return { loss, accuracy };
}

const experiment = await setExperiment('quickstart');
const runId = await withRun(
  async (run) => {
    await logParams(params);
    await setTag('model', 'toy-regression');
    let last;
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      last = trainEpoch(epoch);
      // Metrics are queued and sent in batches: the loop never waits for the store.
      logMetric('loss', last.loss, { step: epoch });
      logMetric('accuracy', last.accuracy, { step: epoch });
    }
    await logDict({ ...params, model: 'toy-regression' }, 'config.yaml');
    await logText(`final loss ${last.loss.toFixed(4)}, accuracy ${last.accuracy.toFixed(4)}\n`, 'summary.txt');
    return run.runId;
  },
  { runName: 'quickstart' },
);

const where = getTrackingUri().startsWith('file:') ? resolve('mlruns') : getTrackingUri();
console.log(`Logged run ${runId} in experiment '${experiment.name}' (id ${experiment.experimentId}) to ${where}`);
console.log(`Look at it with:  pnpm labbook runs list -e ${experiment.experimentId}`);
console.log(`             or:  pnpm labbook runs get ${runId}`);
console.log(`             or, in a browser:  pnpm labbook ui   (then open the address it prints)`);
