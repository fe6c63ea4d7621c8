export * from './events.ts';
export * from './time.ts';
