import { Counter, Gauge, type Registry } from 'prom-client';

/** The worker's Prometheus metrics, registered on one registry per consumer so several can share a process. */
export class ConsumerMetrics {
  readonly records: Counter<'outcome'>;
  readonly recordFailures: Counter<'retryable'>;
  readonly deadLettered: Counter;
  readonly shardLag: Gauge<'shard'>;
  readonly leasesHeld: Gauge;
  readonly trimmedGaps: Counter<'shard'>;
  readonly iteratorRenewals: Counter<'reason'>;
  readonly leaseChanges: Counter<'change'>;
  readonly batches: Counter;
  readonly inboxWriteUnits: Counter;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.records = new Counter({
      name: 'stream_consumer_records_total',
      help: 'Stream records done, by outcome: applied (a message), skipped (not a message INSERT), dead_lettered',
      labelNames: ['outcome'],
      registers,
    });
    this.recordFailures = new Counter({
      name: 'stream_consumer_record_failures_total',
      help: 'Failed attempts at handling a record',
      labelNames: ['retryable'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'stream_consumer_dead_lettered_total',
      help: 'Records sent to the dead-letter queue',
      registers,
    });
    this.shardLag = new Gauge({
      name: 'stream_consumer_shard_lag_ms',
      help: 'Per shard: age of the newest record of the last batch when it was done (0 when caught up)',
      labelNames: ['shard'],
      registers,
    });
    this.leasesHeld = new Gauge({
      name: 'stream_consumer_leases_held',
      help: 'Shard leases this worker holds',
      registers,
    });
    this.trimmedGaps = new Counter({
      name: 'stream_consumer_trimmed_gaps_total',
      help: 'Times a shard had to skip to its oldest record because the records after its checkpoint were trimmed',
      labelNames: ['shard'],
      registers,
    });
    this.iteratorRenewals = new Counter({
      name: 'stream_consumer_iterator_renewals_total',
      help: 'Shard iterators taken again, by reason (expired, trimmed, error)',
      labelNames: ['reason'],
      registers,
    });
    this.leaseChanges = new Counter({
      name: 'stream_consumer_lease_changes_total',
      help: 'Lease changes of this worker: taken (expired or free), stolen (to balance), lost, released, ended',
      labelNames: ['change'],
      registers,
    });
    this.inboxWriteUnits = new Counter({
      name: 'stream_consumer_inbox_write_units_total',
      help: 'DynamoDB write capacity units of inbox row updates (ReturnConsumedCapacity, LSI included; a failed conditional update counts 1)',
      registers,
    });
    this.batches = new Counter({
      name: 'stream_consumer_batches_total',
      help: 'Non-empty batches handled and checkpointed',
      registers,
    });
  }
}
