export * from './delivery.ts';
export * from './registry.ts';
export * from './replica-directory.ts';
export * from './table.ts';
export * from './targeted-publisher.ts';
