export { leaseTableDefinition } from './lease-table.ts';
