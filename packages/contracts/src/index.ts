export * from './bundle.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './feed-key.ts';
export * from './sqs-json.ts';
export * from './time.ts';
export * from './validation.ts';
