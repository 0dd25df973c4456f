// Filter parsing and in-memory evaluation over 10,000 runs (target < 50 ms), as the file store and
// third-party in-memory stores use it.
import { likeMatcher, parseFilter, parseOrderBy, type Run, searchRunsInMemory } from '@labbook/core';

const N = 10_000;
const runs: Run[] = Array.from({ length: N }, (_, i) => {
  const id = i.toString(16).padStart(32, '0');
  return {
    info: {
      runId: id,
      runUuid: id,
      runName: `run-${i}`,
      experimentId: '1',
      userId: 'u',
      status: i % 7 ? 'FINISHED' : 'FAILED',
      startTime: 1_700_000_000_000 + i,
      artifactUri: `file:///m/1/${id}/artifacts`,
      lifecycleStage: 'active',
    },
    data: {
      metrics: Array.from({ length: 10 }, (_, k) => ({
        key: k === 0 ? 'acc' : k === 1 ? 'loss' : `m${k}`,
        value: k === 1 && i % 97 === 0 ? Number.NaN : ((i * 7919 + k * 104729) % 1000) / 1000,
        timestamp: 1,
        step: 10,
      })),
      params: Array.from({ length: 10 }, (_, k) => ({
        key: k === 0 ? 'lr' : `p${k}`,
        value: k === 0 ? ['0.1', '0.01', '0.001'][i % 3]! : String(i % (k + 2)),
      })),
      tags: Array.from({ length: 5 }, (_, k) => ({
        key: k === 0 ? 'team' : `t${k}`,
        value: k === 0 ? ['ml', 'mlops', 'data'][i % 3]! : `v${k}`,
      })),
    },
    inputs: { datasetInputs: [] },
  };
});

const filter = "metrics.acc > 0.5 and params.lr = '0.01' and tags.team LIKE 'ml%'";
const orderBy = ['metrics.loss DESC'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => unknown, iterations: number): number {
  for (let i = 0; i < 5; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

const parseMs = time(() => {
  parseFilter('runs', filter);
  parseOrderBy('runs', orderBy);
}, 2000);
let matched = 0;
const searchMs = time(() => {
  matched = searchRunsInMemory(runs, { filter, orderBy, maxResults: 50000 }).items.length;
}, 30);
const allMs = time(() => searchRunsInMemory(runs, { orderBy: ['metrics.acc ASC', 'params.p3 DESC'], maxResults: 50000 }), 30);
console.log(`search parse: ${(parseMs * 1000).toFixed(1)} µs for filter + order_by (median of 2000)`);
console.log(`search in memory: ${searchMs.toFixed(1)} ms to filter and order ${N} runs (${matched} match) (target < 50 ms)`);
console.log(`search in memory: ${allMs.toFixed(1)} ms to order all ${N} runs by a metric and a param`);

// LIKE on adversarial input: a pattern of many `%` on a value that almost matches. A
// backtracking RegExp (how LIKE used to be evaluated) is shown on a short value beside it; the
// floor is one linear scan of the same value.
const adversarial = '%a%a%a%a%b';
const long = 'a'.repeat(8000);
const short = 'a'.repeat(100);
const oldRegExp = /^[\s\S]*a[\s\S]*a[\s\S]*a[\s\S]*a[\s\S]*b$/u;
const likeMs = time(() => likeMatcher(adversarial, true)(long), 200);
const scanMs = time(() => long.includes('b'), 200);
const t0 = performance.now();
oldRegExp.test(short);
const regexShortMs = performance.now() - t0;
const likeShortMs = time(() => likeMatcher(adversarial, true)(short), 200);
console.log(`search LIKE '${adversarial}' on 8,000 chars: ${likeMs.toFixed(3)} ms (floor, one scan: ${scanMs.toFixed(4)} ms)`);
console.log(
  `search LIKE '${adversarial}' on 100 chars: ${likeShortMs.toFixed(3)} ms; as a backtracking RegExp: ${regexShortMs.toFixed(1)} ms (${(regexShortMs / likeShortMs).toFixed(0)}x)`,
);
