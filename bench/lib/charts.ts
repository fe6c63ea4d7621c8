import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { type BenchFigure, chartSamples } from '../lib.ts';

/**
 * The report's charts, declared as Vega-Lite specs and drawn to SVG by Vega itself (headless: no canvas, no
 * browser). Two kinds: a distribution for a figure that carries `samples` (each measurement against the
 * baseline's, as a cumulative distribution and in the order taken), and a curve for a figure that carries
 * `series` (and `baselineSeries`).
 */

const MEASURED = 'measured';
const BASELINE = 'baseline (same run)';
const WIDTH = 340;
const HEIGHT = 220;
const colors = { domain: [MEASURED, BASELINE], range: ['#d62728', '#1f77b4'] };
/** Points per side in the in-order view: each is an SVG element, and a few hundred show the drift as well. */
const MAX_POINTS = 300;

export interface PlannedChart {
  /** The benchmark and the index of the figure the chart belongs to. */
  resultId: string;
  figureIndex: number;
  /** File name, beside the report. */
  file: string;
  title: string;
  /** Which line is which, for the line under the image; empty when there is only one. */
  caption: string;
  spec: TopLevelSpec;
}

/** Pure: the Vega-Lite spec of a figure's samples (as `samples` describes them). */
export function distributionSpec(f: BenchFigure): TopLevelSpec {
  const s = f.samples!;
  // The in-order view numbers samples by their place in the whole run, so a thinned side keeps its x range.
  const side = (name: string, all: number[], max: number) => {
    const kept = chartSamples(all, max);
    const every = all.length / Math.max(1, kept.length);
    return kept.map((v, i) => ({ side: name, n: Math.floor(i * every) + 1, v }));
  };
  const all = [...side(MEASURED, s.value, Infinity), ...side(BASELINE, s.baseline, Infinity)];
  const thinned = [...side(MEASURED, s.value, MAX_POINTS), ...side(BASELINE, s.baseline, MAX_POINTS)];
  const color = {
    field: 'side',
    type: 'nominal',
    scale: colors,
    legend: { title: null, orient: 'bottom' },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: s.label,
      subtitle: `samples shown: ${s.value.length} measured, ${s.baseline.length} baseline`,
    },
    hconcat: [
      {
        title: 'distribution',
        data: { values: all },
        width: WIDTH,
        height: HEIGHT,
        transform: [
          { window: [{ op: 'cume_dist', as: 'share' }], sort: [{ field: 'v' }], groupby: ['side'] },
        ],
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          // Log scale: latency tails are long, and the body of the distribution matters as much.
          x: { field: 'v', type: 'quantitative', title: `${f.unit} (log scale)`, scale: { type: 'log' } },
          y: {
            field: 'share',
            type: 'quantitative',
            title: 'share of samples at or below',
            axis: { format: '%' },
          },
          color,
        },
      },
      {
        title: 'in the order measured',
        data: { values: thinned },
        width: WIDTH,
        height: HEIGHT,
        mark: { type: 'point', size: 12, filled: true, opacity: 0.6 },
        encoding: {
          x: { field: 'n', type: 'quantitative', title: 'sample' },
          y: { field: 'v', type: 'quantitative', title: f.unit },
          color,
        },
      },
    ],
  };
}

/** Pure: the Vega-Lite spec of a figure's `series` over time, with `baselineSeries` beside it. */
export function seriesSpec(f: BenchFigure): TopLevelSpec {
  const values = [
    ...(f.series ?? []).map((p) => ({ side: MEASURED, t: p.atSeconds, v: p.value })),
    ...(f.baselineSeries ?? []).map((p) => ({ side: BASELINE, t: p.atSeconds, v: p.value })),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: f.name,
      subtitle: `${f.series?.length ?? 0} measured${f.baselineSeries ? `, ${f.baselineSeries.length} baseline` : ''} samples`,
    },
    width: WIDTH * 2,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: { size: 16 } },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'seconds' },
      y: { field: 'v', type: 'quantitative', title: f.seriesUnit ?? f.unit },
      color: { field: 'side', type: 'nominal', scale: colors, legend: { title: null, orient: 'bottom' } },
    },
  };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);

/** Pure: every chart of a run's figures, with a file name that starts with the report's timestamp. */
export function planCharts(
  results: readonly { id: string; figures: readonly BenchFigure[] }[],
  stamp: string,
): PlannedChart[] {
  return results.flatMap((r) =>
    r.figures.flatMap((f, figureIndex) => {
      const caption = `${MEASURED}: ${f.name}; ${BASELINE}: ${f.baseline.name}`;
      const charts: PlannedChart[] = [];
      if (f.samples && f.samples.value.length + f.samples.baseline.length > 0) {
        charts.push({
          resultId: r.id,
          figureIndex,
          file: `${stamp}-${r.id}-${slug(f.samples.label)}.svg`,
          title: f.samples.label,
          // The samples behind a figure are usually shared by several (p50 and p99): named by the table above.
          caption: `every sample behind the ${f.unit} figures above: ${MEASURED}, against the ${BASELINE}`,
          spec: distributionSpec(f),
        });
      }
      if (f.series && f.series.length > 0) {
        charts.push({
          resultId: r.id,
          figureIndex,
          file: `${stamp}-${r.id}-${slug(f.name)}.svg`,
          title: `${f.name} over the run`,
          caption: f.baselineSeries ? caption : '',
          spec: seriesSpec(f),
        });
      }
      return charts;
    }),
  );
}

/** Draws a Vega-Lite spec as a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
