// Core's built-in js_function flavor passes the same conformance suite as plugin flavors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inferSignature, jsFunctionFlavor } from '@labbook/core';
import { afterAll, expect } from 'vitest';
import { describeModelFlavor } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'labbook-js-function-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = [
  { x: 1, y: 2.5 },
  { x: 2, y: 0.5 },
];

describeModelFlavor({
  name: 'js_function',
  flavor: jsFunctionFlavor,
  makeModel: async (scratch) => {
    const file = join(scratch, 'sum.mjs');
    writeFileSync(file, 'export function predict(frame) { return frame.data.x.map((x, i) => x + frame.data.y[i]); }\n');
    return { module: file };
  },
  signature: inferSignature(rows),
  input: rows,
  checkOutput: (out) => expect(out).toEqual([3.5, 2.5]),
  badInput: [{ y: 1 }],
  dataFile: 'code/sum.mjs',
});
