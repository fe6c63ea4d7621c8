import type { LocalStackEndpoints } from '@cruddur/local-stack';
import { inject } from 'vitest';

export * from './http.ts';
export * from './resources.ts';

/** The endpoints of the stack booted by the global setup. */
export function testStack(): LocalStackEndpoints {
  return inject('stack');
}
export * from './samples.ts';
export * from './service-keys.ts';
