import { measureFreshness, StreamBench } from '@cruddur/stream-testing';
import { type Benchmark, chartSamples, figure, percentile } from './lib.ts';

const POLL_INTERVAL_MS = 100;

/**
 * Issue 5 (a): inbox freshness, the time from a message's PutItem until both members' inbox rows show it,
 * through a running stream consumer, beside the raw floor from the same run on the same private DynamoDB Local:
 * PutItem until a bare GetRecords loop with the same poll interval sees the record.
 */
export const benchmark: Benchmark = {
  id: 'stream-freshness',
  area: 'issue 5: stream consumer',
  async run(ctx) {
    const samples = ctx.quick ? 20 : 200;
    ctx.log('starting a private DynamoDB Local and SQS/SNS emulator');
    const bench = await StreamBench.start();
    try {
      ctx.log(`measuring ${samples} messages, raw loop first, then through the consumer`);
      const { consumerMs, rawMs } = await measureFreshness(bench, samples, POLL_INTERVAL_MS);
      const params = { samples, poll_interval_ms: POLL_INTERVAL_MS };
      return [50, 99].map((p) =>
        figure({
          name: `inbox freshness p${p}: message PutItem until both inbox rows show it`,
          unit: 'ms',
          value: round(percentile(consumerMs, p)),
          baseline: {
            name: `raw p${p}: PutItem until a GetRecords loop sees the record`,
            value: round(percentile(rawMs, p)),
          },
          higherIsBetter: false,
          params,
          // Each message's freshness, in the order sent, on one of the two figures they share.
          ...(p === 50
            ? {
                samples: {
                  label: 'inbox freshness per message',
                  value: chartSamples(consumerMs),
                  baseline: chartSamples(rawMs),
                },
              }
            : {}),
        }),
      );
    } finally {
      await bench.stop();
    }
  },
};

const round = (v: number) => Math.round(v * 10) / 10;
