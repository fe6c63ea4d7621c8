export * from './clients.ts';
export * from './consumer.ts';
export * from './dead-letter-depth.ts';
export * from './outage.ts';
export * from './publisher.ts';
export * from './queue-counts.ts';
