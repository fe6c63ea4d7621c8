import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figure } from './lib.ts';
import { type BenchReport, renderMarkdown, writeReport } from './report.ts';

const report: BenchReport = {
  startedAt: '2026-11-25T14:00:00.000Z',
  finishedAt: '2026-11-25T14:05:00.000Z',
  params: { quick: true, only: null, soak: false },
  machine: {
    cpuModel: 'Test CPU',
    cores: 2,
    memoryGiB: 24,
    freeMemoryGiB: 20,
    node: 'v24.0.0',
    os: 'linux',
    loadAverageAtStart: [0.5, 0.4, 0.3],
    gitCommit: 'abc1234',
    gitDirty: false,
  },
  skipped: ['notes.ts: exports no `benchmark`'],
  results: [
    {
      id: 'fast',
      area: 'issue 9: things',
      file: 'fast.ts',
      status: 'ok',
      seconds: 1.5,
      figures: [
        figure({
          name: 'ops through the service',
          unit: 'ops/s',
          value: 250,
          baseline: { name: 'raw ops', value: 1000 },
          higherIsBetter: true,
          params: { inFlight: 16 },
          series: [{ atSeconds: 0, value: 1 }],
          samples: { label: 'op latency', value: [1, 2, 3], baseline: [1, 1, 2] },
        }),
        figure({
          name: 'empty',
          unit: 'ms',
          value: 0,
          baseline: { name: 'raw', value: 0 },
          higherIsBetter: false,
          params: {},
        }),
      ],
    },
    {
      id: 'broken',
      area: 'issue 9: things',
      file: 'broken.ts',
      status: 'failed',
      seconds: 0.1,
      figures: [],
      error: 'Error: boom\n  at x',
    },
  ],
};

describe('bench report', () => {
  it('puts each figure beside its baseline and ratio, with machine facts, failures and warnings', () => {
    const md = renderMarkdown(report);
    expect(md).toContain(
      '| ops through the service | 250.0 ops/s | raw ops: 1000 | 0.250× (higher is better) | inFlight=16 |',
    );
    expect(md).toContain('| CPU | Test CPU |');
    expect(md).toContain('| load average at start (1/5/15 min) | 0.5 / 0.4 / 0.3 |');
    expect(md).toContain('**FAILED**');
    expect(md).toContain('- broken: Error: boom');
    expect(md).toContain('"empty" is 0.00 against 0.00');
    expect(md).toContain('notes.ts: exports no `benchmark`');
    expect(md).toContain('<summary>ops through the service: 1 samples</summary>');
  });

  it('writes the timestamped markdown and JSON and latest.md, with the charts beside them and linked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      const paths = await writeReport(report, dir, { warn: (m) => expect.fail(m) });
      expect(paths.markdown).toBe(join(dir, '2026-11-25T14-00-00Z.md'));
      expect(readFileSync(paths.latest, 'utf8')).toBe(readFileSync(paths.markdown, 'utf8'));
      expect(JSON.parse(readFileSync(paths.json, 'utf8')).results[0].figures[0].ratio).toBe(0.25);
      expect(paths.charts).toEqual([
        join(dir, '2026-11-25T14-00-00Z-fast-op-latency.svg'),
        join(dir, '2026-11-25T14-00-00Z-fast-ops-through-the-service.svg'),
      ]);
      for (const chart of paths.charts) expect(readFileSync(chart, 'utf8')).toMatch(/^<svg[^>]*>/);
      const md = readFileSync(paths.markdown, 'utf8');
      expect(md).toContain('![op latency](2026-11-25T14-00-00Z-fast-op-latency.svg)');
      expect(md).toContain(
        '![ops through the service over the run](2026-11-25T14-00-00Z-fast-ops-through-the-service.svg)',
      );
      expect(md).toContain(
        '<sub>every sample behind the ops/s figures above: measured, against the baseline (same run)</sub>',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
