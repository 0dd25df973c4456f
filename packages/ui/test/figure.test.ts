import { describe, expect, it } from 'vitest';
import { figureOfHtml, figureOfJson } from '../src/figure/detect';

const bars = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  data: { values: [{ a: 'x', b: 1 }] },
  mark: 'bar',
  encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
};

/** The page `logFigure(spec, 'x.html')` writes (packages/core/src/fluent/fluent-media.ts), verbatim. */
function logFigurePage(spec: Record<string, unknown>): string {
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>figure</title>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<script src="https://cdn.jsdelivr.net/npm/vega-lite@5"></script>
<script src="https://cdn.jsdelivr.net/npm/vega-embed@6"></script>
</head><body><div id="vis"></div>
<script>vegaEmbed('#vis', ${json});</script>
</body></html>
`;
}

describe('figureOfJson', () => {
  it('takes JSON whose $schema names Vega-Lite or Vega, whatever the file is called', () => {
    expect(figureOfJson('plots/acc.json', bars)).toEqual({ grammar: 'vega-lite', spec: bars });
    expect(
      figureOfJson('a.json', { ...bars, $schema: 'https://cdn.jsdelivr.net/npm/vega-lite@5.20.1/build/vega-lite-schema.json' })?.grammar,
    ).toBe('vega-lite');
    const vega = { $schema: 'https://vega.github.io/schema/vega/v5.json', marks: [] };
    expect(figureOfJson('plot.json', vega)).toEqual({ grammar: 'vega', spec: vega });
  });

  it('takes .vl.json and .vg.json files without a $schema', () => {
    const { $schema: _, ...bare } = bars;
    expect(figureOfJson('chart.vl.json', bare)?.grammar).toBe('vega-lite');
    expect(figureOfJson('CHART.VG.JSON', { marks: [] })?.grammar).toBe('vega');
  });

  it('leaves other JSON alone, even JSON that looks like a spec', () => {
    const { $schema: _, ...bare } = bars;
    expect(figureOfJson('config.json', bare)).toBeUndefined();
    expect(figureOfJson('config.json', { layers: 12, mark: 'x' })).toBeUndefined();
    expect(figureOfJson('s.json', { $schema: 'https://json-schema.org/draft/2020-12/schema' })).toBeUndefined();
    expect(figureOfJson('s.json', { $schema: 42 })).toBeUndefined();
    expect(figureOfJson('list.vl.json', [bars])).toBeUndefined();
    expect(figureOfJson('n.vl.json', null)).toBeUndefined();
  });
});

describe('figureOfHtml', () => {
  it("reads the spec out of logFigure's page, characters HTML cares about included", () => {
    const spec = { ...bars, title: 'a </script> <b> & "quotes" })' };
    expect(figureOfHtml(logFigurePage(spec))).toEqual({ grammar: 'vega-lite', spec });
  });

  it('reads a spec without $schema as Vega-Lite, as vega-embed does', () => {
    const { $schema: _, ...bare } = bars;
    expect(figureOfHtml(logFigurePage(bare))).toEqual({ grammar: 'vega-lite', spec: bare });
    const vega = { $schema: 'https://vega.github.io/schema/vega/v5.json', marks: [] };
    expect(figureOfHtml(logFigurePage(vega))?.grammar).toBe('vega');
  });

  it('leaves other pages as text', () => {
    expect(figureOfHtml('<html><body><p>report</p></body></html>')).toBeUndefined();
    // A spec by reference (Altair's pages) is not a literal to read.
    expect(figureOfHtml('<script>vegaEmbed("#vis", spec, embedOpt);</script>')).toBeUndefined();
    expect(figureOfHtml("<script>vegaEmbed('#vis', {not json});</script>")).toBeUndefined();
  });
});
