export * from './app.ts';
export * from './backoff.ts';
export * from './client.ts';
export * from './errors.ts';
export * from './metrics.ts';
export * from './readiness.ts';
export * from './server.ts';
export * from './shutdown.ts';
