import { describe, expect, it } from 'vitest';
import { generateExperimentId } from '../src/experiment-id.js';
import { GrowableColumns } from '../src/metric-columns.js';
import { formatMetricLine, latestMetric, parseMetricHistory } from '../src/metric-file.js';
import { formatPythonFloat, parsePythonFloat } from '../src/python-float.js';
import { dumpYaml, parseYaml } from '../src/yaml-io.js';

describe('Python float text', () => {
  it.each([
    [1, '1.0'],
    [0.5, '0.5'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1234567890123456, '1234567890123456.0'],
    [1.5e-7, '1.5e-07'],
    [-2.5, '-2.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e100, '1e+100'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [100, '100.0'],
    [-0, '-0.0'],
    [0, '0.0'],
    [Number.NaN, 'nan'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ])('formats %s as %s and reads it back', (value, text) => {
    expect(formatPythonFloat(value)).toBe(text);
    expect(Object.is(parsePythonFloat(text), value) || (Number.isNaN(value) && Number.isNaN(parsePythonFloat(text)))).toBe(true);
  });
});

describe('metric lines', () => {
  it('writes MLflow lines', () => {
    expect(formatMetricLine({ key: 'k', value: 1, timestamp: 1700000000000, step: 3 })).toBe('1700000000000 1.0 3\n');
    expect(formatMetricLine({ key: 'k', value: Number.NaN, timestamp: 5, step: 0 })).toBe('5 nan 0\n');
    expect(formatMetricLine({ key: 'k', value: 0.5, timestamp: 5, step: 1, datasetName: 'd', datasetDigest: 'x1' })).toBe('5 0.5 1 d x1\n');
  });

  it('reads 2-, 3- and 5-field lines, skips malformed ones and an incomplete tail', () => {
    const text = '10 0.5\n11 nan 1\n12 -inf 2 train abc\nbad line here x\n13 1e-05 3\n14 0.7 4\n15 0.';
    const { metrics, report } = parseMetricHistory(Buffer.from(text), 'm');
    expect(metrics.map((m) => [m.timestamp, m.value, m.step])).toEqual([
      [10, 0.5, 0],
      [11, Number.NaN, 1],
      [12, Number.NEGATIVE_INFINITY, 2],
      [13, 1e-5, 3],
      [14, 0.7, 4],
    ]);
    expect(metrics[2]).toMatchObject({ datasetName: 'train', datasetDigest: 'abc' });
    expect(report.malformedLines).toBe(1);
    expect(report.partialTailBytes).toBe(5);
  });

  it('reads every value exactly as Number() does (fast paths never round differently)', () => {
    // Deterministic xorshift so the same 200,000 values are checked every run.
    let x = 0x9e3779b9;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    const texts: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      let v: number;
      if (i % 3 === 0) v = next() * 10 ** Math.floor(next() * 44 - 22);
      else if (i % 3 === 1) v = 1 / (i + 1);
      else {
        words[0] = (next() * 2 ** 32) >>> 0;
        words[1] = (next() * 2 ** 32) >>> 0;
        v = Number.isFinite(bits[0]!) ? bits[0]! : 0.5;
      }
      texts.push(formatPythonFloat(v), String(v));
    }
    // Texts on or beside the midpoint between two doubles, where a fast path is most likely to round
    // the wrong way: 2^53 + 1 (a tie, to even), and 17-19 digit neighbours of it and of 0.1.
    texts.push('9007199254740993', '9007199254740993.0', '9007199254740992.5', '9007199254740993.5', '900719925474099.25');
    texts.push('0.10000000000000000555', '0.10000000000000000556', '0.10000000000000000554', '0.1000000000000000055511151231257827');
    const { metrics } = parseMetricHistory(Buffer.from(texts.map((t, i) => `${i} ${t} 0\n`).join('')), 'm');
    let mismatches = 0;
    for (let i = 0; i < texts.length; i++) if (!Object.is(metrics[i]!.value, parsePythonFloat(texts[i]!))) mismatches++;
    expect(metrics).toHaveLength(texts.length);
    expect(mismatches).toBe(0);
  });

  it('ranks the latest point by (step, timestamp, value)', () => {
    const buf = Buffer.from('5 9.0 1\n4 1.0 2\n6 0.5 2\n6 0.4 2\n');
    expect(latestMetric(buf, 0, 'm', undefined).latest).toMatchObject({ timestamp: 6, value: 0.5, step: 2 });
  });
});

describe('metric columns', () => {
  it('reads the same points as the object parser, growing past its first estimate, skipping what it skips', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `${i} ${i % 7 === 0 ? 'nan' : i / 3} ${i % 2}\n`);
    const text = `${lines.join('')}garbage line\n1 2 3 ds digest\n12 0.5`;
    const { metrics, report } = parseMetricHistory(Buffer.from(text), 'm');
    const growable = new GrowableColumns(0);
    const columnReport = growable.appendFrom(Buffer.from(text));
    const columns = growable.view();
    expect(columnReport).toEqual(report);
    expect(columns.length).toBe(metrics.length);
    metrics.forEach((m, i) => {
      expect(columns.timestamp[i]).toBe(m.timestamp);
      expect(columns.step[i]).toBe(m.step);
      expect(Object.is(columns.value[i], m.value) || (Number.isNaN(columns.value[i]) && Number.isNaN(m.value))).toBe(true);
    });
  });
});

describe('meta.yaml', () => {
  it('dumps like PyYAML (sorted, quoted strings that look typed)', () => {
    expect(dumpYaml({ name: 'yes', experiment_id: '0', a: '', b: null, c: 4, d: [], e: 'file:///x/y' })).toBe(
      "a: ''\nb: null\nc: 4\nd: []\ne: file:///x/y\nexperiment_id: '0'\nname: 'yes'\n",
    );
  });

  it('parses what it dumps, and what PyYAML dumps', () => {
    const data = { a: "it's", b: 'x: y', c: '1.5', d: 'true', e: null, f: 3, g: 'héllo wörld', h: '2020-01-01', i: ' lead' };
    expect(parseYaml(dumpYaml(data), 'x')).toEqual(data);
    expect(parseYaml("experiment_id: '12'\nname: 'it''s'\nstatus: 3\nend_time: null\ntags: []\n", 'x')).toEqual({
      experiment_id: '12',
      name: "it's",
      status: 3,
      end_time: null,
      tags: [],
    });
  });
});

// Expected texts below were produced by PyYAML 6.0.3 (`yaml.safe_dump({'name': v}, default_flow_style=False, allow_unicode=True)`).
describe('meta.yaml against PyYAML', () => {
  const long = 'long name with many words that goes past eighty characters in width for sure yes indeed';
  it.each([
    ['Default', 'name: Default\n'],
    ['0', "name: '0'\n"],
    ['', "name: ''\n"],
    ['yes', "name: 'yes'\n"],
    ['null', "name: 'null'\n"],
    ['1.5', "name: '1.5'\n"],
    ["it's", "name: it's\n"],
    ['x: y', "name: 'x: y'\n"],
    ['a #b', "name: 'a #b'\n"],
    ['=', "name: '='\n"],
    ['héllo wörld', 'name: héllo wörld\n'],
    ['file:///tmp/ml runs/0', 'name: file:///tmp/ml runs/0\n'],
    ['2020-01-01', "name: '2020-01-01'\n"],
    [long, 'name: long name with many words that goes past eighty characters in width for sure\n  yes indeed\n'],
  ])('dumps %j as PyYAML does', (value, text) => {
    expect(dumpYaml({ name: value })).toBe(text);
  });

  it.each([
    ['name: y\n', 'y'],
    ['name: 1e5\n', '1e5'],
    ['name: "tab\\there"\n', 'tab\there'],
    ["name: 'a\n\n  b'\n", 'a\nb'],
    ['name: long name with many words that goes past eighty characters in width for sure\n  yes indeed\n', long],
    ["name: '''quoted'''\n", "'quoted'"],
  ])('reads PyYAML text %j back as the string', (text, value) => {
    expect(parseYaml(text, 'x').name).toBe(value);
  });
});

it('experiment ids have 18 digits and no leading zero', () => {
  for (let i = 0; i < 200; i++) expect(generateExperimentId()).toMatch(/^[1-9]\d{17}$/);
});
