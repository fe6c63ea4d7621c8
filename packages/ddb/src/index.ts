export * from './batch-get.ts';
export * from './cancellation.ts';
export * from './client.ts';
export * from './cursor.ts';
export * from './items/index.ts';
export * from './keys.ts';
export * from './table.ts';
export * from './wait-for-tables.ts';
