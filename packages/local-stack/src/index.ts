export { DEPENDENCY_LABELS, type DependencyName } from './emulators/dependency.ts';
export { dynamoDbLocalEndpoint } from './emulators/dynamodb.ts';
export { POSTGRES_ADMIN } from './emulators/postgres.ts';
export { StartupError } from './errors.ts';
export { assertJava } from './java.ts';
export { assertPortsFree, findPortHolder } from './port-holder.ts';
export { freePort, httpAnswers, waitFor } from './ports.ts';
export { killWithThisProcess, lastLine, OutputTail, stopChild } from './process.ts';
export * from './stack.ts';
