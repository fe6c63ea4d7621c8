import { measureCatchUp, StreamBench } from '@cruddur/stream-testing';
import { type Benchmark, figure } from './lib.ts';

/**
 * Issue 5 (b) and 16 (4): catch-up, message records per second a stream consumer works through a backlog (both
 * inbox rows updated, events published, checkpointed), beside two floors from the same run on the same private
 * DynamoDB Local: the same inbox moves sent raw (measureCatchUp's rawInboxMoves says exactly what), and the raw
 * GetRecords read rate of the same backlog.
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
      const params = { messages, conversations: conversationCount, batch_size: 1000, record_concurrency: 16 };
      return [
        figure({
          name: 'catch-up: message records/s through the consumer (inbox rows, events, checkpoint)',
          unit: 'records/s',
          value: Math.round(result.messages / result.consumerSeconds),
          baseline: {
            name: 'raw conditional UpdateItems doing the same inbox moves (messages/s: per 1000-message batch, one UpdateItem per member of each conversation to its newest message, 16 conversations at a time, twin table)',
            value: Math.round(result.messages / result.movesSeconds),
          },
          higherIsBetter: true,
          params: {
            ...params,
            raw_update_items: result.moves,
            raw_update_items_per_second: Math.round(result.moves / result.movesSeconds),
            consumer_seconds: Math.round(result.consumerSeconds * 100) / 100,
          },
        }),
        figure({
          name: 'catch-up: message records/s through the consumer (inbox rows, events, checkpoint)',
          unit: 'records/s',
          value: Math.round(result.messages / result.consumerSeconds),
          baseline: {
            name: 'raw GetRecords read rate of the same backlog',
            value: Math.round(result.rawRecords / result.rawSeconds),
          },
          higherIsBetter: true,
          params,
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
