export type { DependencyName } from './emulators/dependency.ts';
export { assertJava } from './emulators/dynamodb.ts';
export { POSTGRES_ADMIN } from './emulators/postgres.ts';
export { freePort, httpAnswers, waitFor } from './ports.ts';
export { stopChild } from './process.ts';
export * from './stack.ts';
