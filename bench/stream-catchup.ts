import { measureCatchUp, StreamBench } from '@cruddur/stream-testing';
import { type Benchmark, figure } from './lib.ts';

/**
 * Issue 5 (b): catch-up, message records per second a stream consumer works through a backlog (both inbox
 * rows updated, events published, checkpointed), beside the raw GetRecords read rate of the same backlog in the
 * same run on the same private DynamoDB Local.
 */
export const benchmark: Benchmark = {
  id: 'stream-catchup',
  area: 'issue 5: stream consumer',
  async run(ctx) {
    const messages = ctx.quick ? 500 : 10_000;
    const conversationCount = ctx.quick ? 20 : 200;
    ctx.log('starting a private DynamoDB Local and SQS/SNS emulator');
    const bench = await StreamBench.start();
    try {
      const result = await measureCatchUp(bench, messages, conversationCount, ctx.log);
      return [
        figure({
          name: 'catch-up: message records/s through the consumer (inbox rows, events, checkpoint)',
          unit: 'records/s',
          value: Math.round(result.messages / result.consumerSeconds),
          baseline: {
            name: 'raw GetRecords read rate of the same backlog',
            value: Math.round(result.rawRecords / result.rawSeconds),
          },
          higherIsBetter: true,
          params: { messages, conversations: conversationCount, batch_size: 1000, record_concurrency: 16 },
          // Catch-up over time: records behind the consumer's checkpoint, beside records the raw loop read.
          series: result.consumerProgress,
          baselineSeries: result.rawProgress,
          seriesUnit: 'stream records done',
        }),
      ];
    } finally {
      await bench.stop();
    }
  },
};
