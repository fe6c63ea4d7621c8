import { startLocalStack } from '@cruddur/local-stack';
import { ensureBundles } from '../scripts/lib/bundles.ts';
import { SERVICE_NAMES } from '../scripts/lib/service-process.ts';
import { startSystem } from '../scripts/lib/system.ts';
import { type BenchFigure, type Benchmark, figure } from './lib.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Issue 2 and 16 (5): cold start of the embedded stack (`startSystem`, as `scripts/up` does without the seed, from
 * up-to-date bundles) until every service's /readyz is green, against the bare dependency start (`startLocalStack` alone) in the
 * same run. A dependency has started when its API answers (DynamoDB Local: a ListTables call, since its first
 * call costs a fresh JVM 0.2-0.6 s; see emulators/dynamodb.ts), in both starts. Each phase, each dependency and
 * each service (its spawn to its /readyz) is reported as its share of the whole; they run in parallel, so their
 * shares overlap and do not add up.
 */
export const benchmark: Benchmark = {
  id: 'cold-start',
  area: 'issue 2: one-command local system',
  async run(ctx) {
    // Five, not three: the bare start alone varies by a fifth between runs on a shared machine.
    const runs = ctx.quick ? 1 : 5;
    const bare: number[] = [];
    const full: number[] = [];
    const phases: Record<string, number[]> = {};
    // Built before the clock starts, as a deployment builds before it starts: what is timed is a start.
    ctx.log('service bundles: building those older than their sources');
    await ensureBundles(SERVICE_NAMES);
    for (let i = 0; i < runs; i++) {
      // Alternating the two keeps a slow minute of the machine from landing on one side only.
      ctx.log(`run ${i + 1}/${runs}: bare dependencies`);
      let t = performance.now();
      const stack = await startLocalStack();
      bare.push((performance.now() - t) / 1000);
      await stack.stop();

      ctx.log(`run ${i + 1}/${runs}: whole system to every /readyz`);
      t = performance.now();
      const system = await startSystem({ ports: 'free' });
      full.push((performance.now() - t) / 1000);
      await system.stop();
      for (const [phase, ms] of Object.entries(system.timings)) {
        phases[phase] = [...(phases[phase] ?? []), ms / 1000];
      }
    }

    const total = median(full);
    const params = { runs, statistic: 'median', seed: false, ports: 'free', storage: 'in-memory' };
    const figures: BenchFigure[] = [
      figure({
        name: 'cold start to every /readyz green',
        unit: 's',
        value: total,
        baseline: { name: 'bare dependency start (startLocalStack alone)', value: median(bare) },
        higherIsBetter: false,
        params,
      }),
    ];
    for (const [phase, seconds] of Object.entries(phases)) {
      figures.push(
        figure({
          name: `${phase.replace(':', ' ')} (share of cold start)`,
          unit: 's',
          value: median(seconds),
          baseline: { name: 'cold start total', value: total },
          higherIsBetter: false,
          params,
        }),
      );
    }
    return figures;
  },
};
