import { runService } from '@cruddur/http';
import { streamConsumerConfigSchema } from './config.ts';
import { startStreamConsumer } from './service.ts';

// SIGTERM: finish each batch, checkpoint, release the leases so another worker takes over at once.
await runService({ name: 'stream-consumer', schema: streamConsumerConfigSchema, start: startStreamConsumer });
