export * from './client.ts';
export * from './cursor.ts';
export * from './keys.ts';
export * from './table.ts';
