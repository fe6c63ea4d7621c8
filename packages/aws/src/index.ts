export * from './clients.ts';
export * from './consumer.ts';
export * from './publisher.ts';
