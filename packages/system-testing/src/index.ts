export * from './api.ts';
export * from './capture-logger.ts';
export * from './cognito.ts';
export * from './gateway-process.ts';
export * from './hostile-requests.ts';
export * from './sse.ts';
export * from './system.ts';
export * from './tokens.ts';
