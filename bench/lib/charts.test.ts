import { describe, expect, it } from 'vitest';
import { chartSamples, figure } from '../lib.ts';
import { distributionSpec, planCharts, renderSvg, seriesSpec } from './charts.ts';

const latency = figure({
  name: 'inbox freshness p50',
  unit: 'ms',
  value: 70,
  baseline: { name: 'raw p50', value: 50 },
  higherIsBetter: false,
  params: {},
  samples: {
    label: 'inbox freshness per message',
    value: [72, 65, 80, 130, 70],
    baseline: [50, 55, 48, 60],
  },
});
const catchUp = figure({
  name: 'catch-up records/s',
  unit: 'records/s',
  value: 700,
  baseline: { name: 'raw read rate', value: 8000 },
  higherIsBetter: true,
  params: {},
  series: [
    { atSeconds: 0, value: 0 },
    { atSeconds: 1.5, value: 1000 },
  ],
  baselineSeries: [
    { atSeconds: 0, value: 0 },
    { atSeconds: 0.2, value: 1000 },
  ],
  seriesUnit: 'stream records done',
});

/** The texts of an SVG's `<text>` elements: axis titles, tick labels, legend entries, titles. */
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('bench charts', () => {
  it('draws samples as an SVG: a distribution line and the samples in order, both sides in the legend', async () => {
    const svg = await renderSvg(distributionSpec(latency));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('class="mark-line role-mark');
    expect(svg).toContain('class="mark-symbol role-mark');
    expect(texts(svg)).toEqual(
      expect.arrayContaining([
        'inbox freshness per message',
        'samples shown: 5 measured, 4 baseline',
        'distribution',
        'in the order measured',
        'ms (log scale)',
        'ms',
        'share of samples at or below',
        '100%',
        'measured',
        'baseline (same run)',
      ]),
    );
  });

  it('draws a series over time beside the baseline series, in the series unit', async () => {
    const svg = await renderSvg(seriesSpec(catchUp));
    expect(svg.startsWith('<svg')).toBe(true);
    // One line per side, each named by its side.
    const lines = [...svg.matchAll(/<path aria-label="([^"]*)"[^>]*aria-roledescription="line mark"/g)];
    expect(lines.map((m) => m[1]!.split('side: ')[1])).toEqual(['measured', 'baseline (same run)']);
    expect(texts(svg)).toEqual(
      expect.arrayContaining(['catch-up records/s', 'seconds', 'stream records done', 'measured']),
    );
  });

  it('plans one chart per figure that has samples or a series, named after the report', () => {
    const plain = figure({ ...latency, samples: undefined });
    const charts = planCharts([{ id: 'stream', figures: [latency, plain, catchUp] }], '2026-12-01T10-00-00Z');
    expect(charts.map((c) => [c.figureIndex, c.file])).toEqual([
      [0, '2026-12-01T10-00-00Z-stream-inbox-freshness-per-message.svg'],
      [2, '2026-12-01T10-00-00Z-stream-catch-up-records-s.svg'],
    ]);
    expect(charts[0]!.caption).toBe(
      'every sample behind the ms figures above: measured, against the baseline (same run)',
    );
    expect(charts[1]!.caption).toBe('measured: catch-up records/s; baseline (same run): raw read rate');
  });

  it('keeps at most the given number of samples, spread over the run and in order', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => i + 0.123);
    const kept = chartSamples(values, 100);
    expect(kept).toHaveLength(100);
    expect(kept[0]).toBe(0.12);
    expect(kept[1]).toBe(100.12);
    expect(kept.at(-1)).toBe(9900.12);
    expect(chartSamples([1, 2, 3])).toEqual([1, 2, 3]);
  });
});
