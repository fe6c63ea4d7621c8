import { ConfigError, loadConfig } from '@cruddur/config';
import { describe, expect, it } from 'vitest';
import { lambdaConfigSchema, streamConsumerConfigSchema } from './config.ts';

const required = {
  MESSAGE_EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:0:message-events',
  STREAM_DLQ_URL: 'http://q/stream-dlq',
};

describe('stream consumer config', () => {
  it('fills the production defaults and a worker id unique per process', () => {
    const config = loadConfig(streamConsumerConfigSchema, required);
    expect(config).toMatchObject({
      PORT: 4573,
      DDB_LEASE_TABLE: 'cruddur-stream-leases',
      LEASE_DURATION_MS: 10_000,
      POLL_INTERVAL_MS: 250,
      BATCH_SIZE: 1000,
      MAX_RECORD_ATTEMPTS: 5,
    });
    expect(config.WORKER_ID).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('names every bad or missing variable', () => {
    expect(() =>
      loadConfig(streamConsumerConfigSchema, { BATCH_SIZE: '5000', LEASE_DURATION_MS: '0' }),
    ).toThrow(ConfigError);
    try {
      loadConfig(streamConsumerConfigSchema, { BATCH_SIZE: '5000' });
    } catch (err) {
      const issues = (err as ConfigError).issues.join('\n');
      for (const name of ['BATCH_SIZE', 'MESSAGE_EVENTS_TOPIC_ARN', 'STREAM_DLQ_URL'])
        expect(issues).toContain(name);
    }
  });

  it('asks the Lambda only for what it uses', () => {
    expect(loadConfig(lambdaConfigSchema, required)).toMatchObject({ DDB_MESSAGE_TABLE: 'cruddur-messages' });
  });
});
