import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { SERVICE_NODE_FLAGS, SERVICE_PROCESS_ENV } from '../deploy/docker/src/bundle.ts';
import { SERVICE_NAMES } from '../scripts/lib/service-process.ts';
import { startSystem } from '../scripts/lib/system.ts';
import { type HeapReading, heapReading } from './lib/heap.ts';
import {
  getJson,
  type ResidentMemory,
  residentMemory,
  type SignedInUser,
  sendMessage,
  signInSeedUsers,
} from './lib/traffic.ts';
import { type BenchFigure, type Benchmark, chartSamples, figure, openLoop, percentile } from './lib.ts';

const MB = 1024 * 1024;

/** RSS in MB of a Node process that does nothing: the part of every service's RSS that is Node itself. */
async function emptyNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await delay(1_000);
    const rss = child.pid === undefined ? undefined : (await residentMemory(child.pid))?.rss;
    return rss === undefined ? Number.NaN : Math.round((rss / MB) * 10) / 10;
  } finally {
    child.kill();
  }
}

const peakOf = (points: { value: number }[]) => Math.max(...points.map((p) => p.value));

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/**
 * Issue 8: 10 minutes (20 s with --quick) of mixed traffic at a fixed rate through the gateway, on the
 * whole system started as `scripts/up` does, sampling every service's RSS every 10 s (2 s quick).
 * Each service's RSS at the end is reported against its own RSS after the warm-up (ratio = growth), with
 * the slope in MB/min; the achieved rate against the target; late p99 latency against early p99.
 * The traffic is open-loop (a request every 1/rate s, whatever the answers) with a cap on requests in
 * flight, so a slow system shows as dropped ticks instead of a slower clock.
 */
export const benchmark: Benchmark = {
  id: 'soak',
  area: 'issue 8: soak',
  async run(ctx) {
    const durationMs = ctx.quick ? 20_000 : 600_000;
    const sampleEveryMs = ctx.quick ? 2_000 : 10_000;
    const warmupMs = ctx.quick ? 4_000 : 30_000;
    const rate = ctx.quick ? 10 : 20;
    const maxInFlight = 32;
    const params = {
      rate_per_s: rate,
      duration_s: durationMs / 1000,
      sample_every_s: sampleEveryMs / 1000,
      maxInFlight,
    };

    ctx.log('starting the whole system');
    const system = await startSystem({
      ports: 'free',
      serviceEnv: { gateway: { RATE_LIMIT_BURST: '100000', RATE_LIMIT_PER_SECOND: '100000' } },
    });
    try {
      // Idle: started, seeded users, no traffic yet; beside the floor of any Node process on this machine.
      await system.runScript('db/seed');
      await delay(ctx.quick ? 1_000 : 5_000);
      const idle = new Map<string, number>();
      for (const name of SERVICE_NAMES) {
        const pid = system.services[name]?.pid;
        const rss = pid === undefined ? undefined : (await residentMemory(pid))?.rss;
        if (rss !== undefined) idle.set(name, rss / MB);
      }
      const emptyNode = await emptyNodeRss();
      const users = await signInSeedUsers(system.env);
      // Conversations each user is a member of (learned from sends), so every send by group is allowed.
      const groupsOf = new Map<string, string[]>();
      const firstError: string[] = [];
      const errorKinds = new Map<string, number>();

      const op = async (i: number, user: SignedInUser) => {
        const roll = i % 20;
        const own = groupsOf.get(user.handle) ?? [];
        const group = own.length > 0 ? own[i % own.length] : undefined;
        if (roll < 8 || !group) {
          // 40% sends: half start-or-reuse by handle, half to a known conversation.
          const other = users[(users.indexOf(user) + 1 + (i % (users.length - 1))) % users.length]!;
          const byHandle = roll % 2 === 0 || !group;
          const outcome = await sendMessage(
            system.gatewayUrl,
            user.token,
            byHandle
              ? { message: `soak ${i}`, handle: other.handle }
              : { message: `soak ${i}`, message_group_uuid: group },
            { idempotencyKey: randomUUID(), deadline: 0 },
          );
          if (!outcome.ok) throw new Error(`send: ${outcome.status} ${outcome.detail}`);
          // Only a send by handle says who the other member is.
          for (const member of byHandle ? [user.handle, other.handle] : []) {
            const list = groupsOf.get(member) ?? [];
            if (!list.includes(outcome.message.message_group_uuid))
              list.push(outcome.message.message_group_uuid);
            groupsOf.set(member, list);
          }
        } else if (roll < 13) {
          await getJson(system.gatewayUrl, user.token, '/api/message_groups');
        } else if (roll < 18) {
          // Any member may read; a non-member's 404 would count as an error, so the sender reads its own.
          const mine = (await getJson(system.gatewayUrl, user.token, '/api/message_groups?limit=5')) as {
            uuid: string;
          }[];
          if (mine[0]) await getJson(system.gatewayUrl, user.token, `/api/messages/${mine[0].uuid}?limit=20`);
        } else {
          const mine = (await getJson(system.gatewayUrl, user.token, '/api/message_groups?limit=1')) as {
            uuid: string;
          }[];
          if (mine[0]) {
            const response = await fetch(`${system.gatewayUrl}/api/message_groups/${mine[0].uuid}/read`, {
              method: 'POST',
              headers: { authorization: `Bearer ${user.token}` },
            });
            if (!response.ok) throw new Error(`read: ${response.status}`);
          }
        }
      };

      const samples = new Map<string, { atSeconds: number; value: number }[]>();
      // The V8 heap beside each RSS sample, to tell a heap filling towards its next major collection (used
      // falls back after one) from memory held outside it or a leak (used keeps climbing across collections).
      const heaps = new Map<string, HeapReading[]>();
      // RSS's two parts beside it: what the process allocated, and the binary's pages it has touched so far.
      const parts = new Map<string, ResidentMemory[]>();
      const sample = async (atSeconds: number) => {
        for (const name of SERVICE_NAMES) {
          const service = system.services[name];
          const memory = service?.pid === undefined ? undefined : await residentMemory(service.pid);
          const heap = service ? await heapReading(service.url) : undefined;
          if (memory === undefined || heap === undefined) continue;
          samples.set(name, [...(samples.get(name) ?? []), { atSeconds, value: memory.rss / MB }]);
          heaps.set(name, [...(heaps.get(name) ?? []), heap]);
          parts.set(name, [...(parts.get(name) ?? []), memory]);
        }
      };

      ctx.log(`${rate} requests/s for ${durationMs / 1000} s, RSS every ${sampleEveryMs / 1000} s`);
      let nextSample = warmupMs;
      const { latencies, errors, dropped, issued, seconds } = await openLoop(
        (i) => op(i, users[i % users.length]!),
        {
          ratePerSecond: rate,
          durationMs,
          maxInFlight,
          beforeTick: async (elapsed) => {
            if (elapsed < nextSample) return;
            await sample((elapsed - warmupMs) / 1000);
            nextSample += sampleEveryMs;
          },
          onError: (err) => {
            const message = err instanceof Error ? err.message : String(err);
            if (firstError.length === 0) firstError.push(message);
            const kind = message.slice(0, 60);
            errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
          },
        },
      );
      await sample(seconds - warmupMs / 1000);
      for (const [kind, n] of errorKinds) ctx.log(`${n} errors: ${kind}`);
      if (latencies.length === 0)
        throw new Error(`no request succeeded (${errors} errors): ${firstError[0]}`);

      const topError = [...errorKinds].sort((a, b) => b[1] - a[1])[0];
      const traffic = {
        ...params,
        requests: issued,
        errors,
        dropped_ticks: dropped,
        ...(topError ? { most_common_error: `${topError[1]}× ${topError[0]}` } : {}),
      };
      const tenth = durationMs / 10;
      const early = latencies.filter((l) => l.at >= warmupMs && l.at < warmupMs + tenth).map((l) => l.ms);
      const late = latencies.filter((l) => l.at >= durationMs - tenth).map((l) => l.ms);
      const figures: BenchFigure[] = [
        figure({
          name: 'achieved request rate',
          unit: 'requests/s',
          value: latencies.length / seconds,
          baseline: { name: 'target rate', value: rate },
          higherIsBetter: true,
          params: traffic,
        }),
        figure({
          name: 'p99 latency in the last tenth of the soak',
          unit: 'ms',
          value: percentile(late, 99),
          baseline: { name: 'p99 latency in the first tenth after warm-up', value: percentile(early, 99) },
          higherIsBetter: false,
          params: traffic,
          samples: {
            label: 'request latency, last tenth against first tenth',
            value: chartSamples(late),
            baseline: chartSamples(early),
          },
        }),
      ];
      for (const [name, mb] of idle) {
        figures.push(
          figure({
            name: `${name} RSS idle (started, no traffic yet)`,
            unit: 'MB',
            value: Math.round(mb * 10) / 10,
            baseline: {
              name: 'an empty Node process (node -e with a timer), same machine',
              value: emptyNode,
            },
            higherIsBetter: false,
            params: {
              node_flags: SERVICE_NODE_FLAGS.join(' '),
              process_env: Object.entries(SERVICE_PROCESS_ENV)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
            },
          }),
        );
      }
      for (const [name, series] of samples) {
        const afterWarmup = series.filter((s) => s.atSeconds >= 0);
        const first = afterWarmup[0];
        const last = afterWarmup.at(-1);
        if (!first || !last) continue;
        const perMinute = slope(afterWarmup.map((s) => ({ x: s.atSeconds / 60, y: s.value })));
        const half = Math.floor(afterWarmup.length / 2);
        const [firstHalf, secondHalf] = [afterWarmup.slice(0, half), afterWarmup.slice(half)];
        const heap = (heaps.get(name) ?? []).slice(series.length - afterWarmup.length);
        const heapMid = heap[Math.floor(heap.length / 2)];
        const heapLast = heap.at(-1);
        const part = (parts.get(name) ?? []).slice(series.length - afterWarmup.length);
        const partMid = part[Math.floor(part.length / 2)];
        const partLast = part.at(-1);
        const mbChange = (from: number, to: number) => Math.round(((to - from) / MB) * 10) / 10;
        figures.push(
          figure({
            name: `${name} RSS at the end`,
            unit: 'MB',
            value: last.value,
            baseline: { name: `${name} RSS after warm-up`, value: first.value },
            higherIsBetter: false,
            params: {
              growth_mb: Math.round((last.value - first.value) * 10) / 10,
              growth_mb_per_min: Math.round(perMinute * 100) / 100,
              // Warm-up (JIT, caches, pools) fills the first minutes; a leak keeps growing in the second half.
              growth_mb_second_half:
                Math.round((last.value - afterWarmup[Math.floor(afterWarmup.length / 2)]!.value) * 10) / 10,
              // A heap's RSS is a saw (it climbs until a major collection, then drops), and a tooth can be longer
              // than half the soak, so the end can read high without a leak: a leak also raises the peaks.
              ...(firstHalf.length > 0
                ? {
                    peak_growth_mb_second_half:
                      Math.round((peakOf(secondHalf) - peakOf(firstHalf)) * 10) / 10,
                  }
                : {}),
              samples: afterWarmup.length,
              ...(heapMid && heapLast
                ? {
                    heap_used_mb_end: Math.round(heapLast.usedMb * 10) / 10,
                    heap_growth_mb_second_half: Math.round((heapLast.usedMb - heapMid.usedMb) * 10) / 10,
                    heap_committed_growth_mb_second_half:
                      Math.round((heapLast.totalMb - heapMid.totalMb) * 10) / 10,
                    external_growth_mb_second_half:
                      Math.round((heapLast.externalMb - heapMid.externalMb) * 10) / 10,
                    major_gcs_second_half: heapLast.majorGcs - heapMid.majorGcs,
                  }
                : {}),
              ...(partMid && partLast
                ? {
                    anon_mb_end: Math.round((partLast.anon / MB) * 10) / 10,
                    anon_growth_mb_second_half: mbChange(partMid.anon, partLast.anon),
                    file_mb_end: Math.round((partLast.file / MB) * 10) / 10,
                    file_growth_mb_second_half: mbChange(partMid.file, partLast.file),
                  }
                : {}),
            },
            series: afterWarmup,
          }),
        );
      }
      return figures;
    } finally {
      await system.stop();
    }
  },
};
