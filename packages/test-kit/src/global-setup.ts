import { type LocalStack, type LocalStackEndpoints, startLocalStack } from '@cruddur/local-stack';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: LocalStackEndpoints;
  }
}

let stack: LocalStack | undefined;

/**
 * Boots one local stack for the whole test run; every test file then makes its own database, table,
 * queues and user pool on it, so files stay isolated and can run in parallel.
 * Set CRUDDUR_TEST_STACK to a JSON endpoints object to reuse a stack that is already running.
 */
export default async function setup(project: TestProject) {
  const given = process.env.CRUDDUR_TEST_STACK;
  if (given) {
    project.provide('stack', JSON.parse(given) as LocalStackEndpoints);
    return;
  }
  stack = await startLocalStack();
  project.provide('stack', stack.endpoints);
  return async () => {
    await stack?.stop();
  };
}
