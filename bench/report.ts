import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PlannedChart, planCharts, renderSvg } from './lib/charts.ts';
import type { MachineFacts } from './lib/machine.ts';
import type { BenchFigure } from './lib.ts';

export interface BenchOutcome {
  id: string;
  area: string;
  file: string;
  status: 'ok' | 'failed';
  seconds: number;
  figures: BenchFigure[];
  error?: string;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  /** How `pnpm bench` was called: quick mode, --only, --soak. */
  params: { quick: boolean; only: string[] | null; soak: boolean };
  machine: MachineFacts;
  /** Files under bench/ that export no `benchmark` (not run; listed so a typo is visible). */
  skipped: string[];
  results: BenchOutcome[];
}

const fmt = (n: number) => {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return n.toFixed(0);
  if (abs >= 100) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(3);
};

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function paramsText(params: BenchFigure['params']): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** A ratio with the direction that makes it good or bad, so a reader needs no unit to judge it. */
function ratioText(f: BenchFigure): string {
  if (!Number.isFinite(f.ratio)) return 'n/a';
  return `${fmt(f.ratio)}× (${f.higherIsBetter ? 'higher' : 'lower'} is better)`;
}

/** The markdown report; `charts` (drawn beside it) are embedded under their benchmark's figures. */
export function renderMarkdown(report: BenchReport, charts: readonly PlannedChart[] = []): string {
  const m = report.machine;
  const lines: string[] = [
    `# Benchmark report ${report.startedAt}`,
    '',
    `Mode: ${report.params.quick ? '**quick** (CI smoke test: tiny sizes, figures not meaningful)' : 'full'}` +
      (report.params.only ? `; only: ${report.params.only.join(', ')}` : '') +
      (report.params.soak ? '; soak included' : ''),
    '',
    'Every figure is compared with a baseline measured in the same run on the same machine; compare ratios',
    'between runs, not absolute values.',
    '',
    '## Machine',
    '',
    '| fact | value |',
    '|---|---|',
    `| CPU | ${cell(m.cpuModel)} |`,
    `| cores | ${m.cores} |`,
    `| memory | ${m.memoryGiB} GiB (${m.freeMemoryGiB} GiB free at start) |`,
    `| Node.js | ${m.node} |`,
    `| OS | ${cell(m.os)} |`,
    `| load average at start (1/5/15 min) | ${m.loadAverageAtStart.join(' / ')} |`,
    `| commit | ${m.gitCommit}${m.gitDirty ? ' (uncommitted changes)' : ''} |`,
    `| started / finished | ${report.startedAt} / ${report.finishedAt} |`,
    '',
  ];

  const failed = report.results.filter((r) => r.status === 'failed');
  lines.push(
    '## Summary',
    '',
    '| benchmark | area | status | seconds | figures |',
    '|---|---|---|---|---|',
    ...report.results.map(
      (r) => `| ${r.id} | ${cell(r.area)} | ${r.status} | ${fmt(r.seconds)} | ${r.figures.length} |`,
    ),
    '',
  );

  const areas = [...new Set(report.results.map((r) => r.area))];
  for (const area of areas) {
    lines.push(`## ${area}`, '');
    for (const r of report.results.filter((x) => x.area === area)) {
      lines.push(`### ${r.id}`, '');
      if (r.status === 'failed') {
        lines.push('**FAILED**', '', '```', r.error ?? 'unknown error', '```', '');
        continue;
      }
      lines.push(
        '| figure | value | baseline (same run) | ratio | parameters |',
        '|---|---|---|---|---|',
        ...r.figures.map(
          (f) =>
            `| ${cell(f.name)} | ${fmt(f.value)} ${cell(f.unit)} | ${cell(f.baseline.name)}: ${fmt(f.baseline.value)} | ${ratioText(f)} | ${cell(paramsText(f.params))} |`,
        ),
        '',
      );
      for (const c of charts.filter((x) => x.resultId === r.id)) {
        lines.push(
          `![${cell(c.title)}](${c.file})`,
          '',
          ...(c.caption ? [`<sub>${cell(c.caption)}</sub>`, ''] : []),
        );
      }
      for (const f of r.figures.filter((x) => x.series && x.series.length > 0)) {
        lines.push(
          `<details><summary>${cell(f.name)}: ${f.series!.length} samples</summary>`,
          '',
          `| at (s) | ${cell(f.seriesUnit ?? f.unit)} |`,
          '|---|---|',
          ...f.series!.map((s) => `| ${fmt(s.atSeconds)} | ${fmt(s.value)} |`),
          '',
          '</details>',
          '',
        );
      }
    }
  }

  const suspicious = report.results.flatMap((r) =>
    r.status === 'ok' && r.figures.length === 0
      ? [`${r.id}: returned no figure`]
      : r.figures
          .filter((f) => !Number.isFinite(f.ratio) || f.value === 0 || f.baseline.value === 0)
          .map(
            (f) =>
              `${r.id}: "${f.name}" is ${fmt(f.value)} against ${fmt(f.baseline.value)}: nothing was measured?`,
          ),
  );
  if (suspicious.length > 0) {
    lines.push('## Warnings', '', ...suspicious.map((s) => `- ${cell(s)}`), '');
  }
  if (report.skipped.length > 0) {
    lines.push('## Not run', '', ...report.skipped.map((s) => `- ${s}`), '');
  }
  if (failed.length > 0) {
    lines.push(
      '## Failures',
      '',
      ...failed.map((r) => `- ${r.id}: ${cell((r.error ?? '').split('\n')[0] ?? '')}`),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `<dir>/<timestamp>.md`, `<dir>/<timestamp>.json`, `<dir>/latest.md` and the charts beside them
 * (`<timestamp>-<benchmark>-<chart>.svg`, linked from both markdown files); returns their paths. A chart that
 * cannot be drawn is left out with a warning: the figures matter more than their pictures.
 */
export async function writeReport(
  report: BenchReport,
  dir: string,
  { warn = (m: string) => console.error(m) }: { warn?: (message: string) => void } = {},
): Promise<{ markdown: string; json: string; latest: string; charts: string[] }> {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const markdown = join(dir, `${stamp}.md`);
  const json = join(dir, `${stamp}.json`);
  const latest = join(dir, 'latest.md');
  const drawn: PlannedChart[] = [];
  for (const chart of planCharts(report.results, stamp)) {
    try {
      writeFileSync(join(dir, chart.file), await renderSvg(chart.spec));
      drawn.push(chart);
    } catch (err) {
      warn(`chart ${chart.file} not drawn: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const text = renderMarkdown(report, drawn);
  writeFileSync(markdown, text);
  writeFileSync(latest, text);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return { markdown, json, latest, charts: drawn.map((c) => join(dir, c.file)) };
}
