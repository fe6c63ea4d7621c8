import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '.tools/**', '**/cdk.out/**'],
    globalSetup: ['packages/test-kit/src/global-setup.ts'],
    // Vitest runs one file per core less one; our files spend most of their time waiting on the local stack
    // over the wire (DynamoDB Local, the SQS emulator, PostgreSQL, stream polls), so on CI's 2 cores that one
    // worker left a core idle: one file more than there are cores took vitest in a fresh-clone CI run from 656 s
    // to 427 s (the whole test command from 971 s to 728 s).
    maxWorkers: availableParallelism() + 1,
    testTimeout: 30_000,
    // expect.poll's own default (1 s) is shorter than a stream consumer's checkpoint or a push on a loaded 2-core
    // machine; a poll that needs less says so with its own timeout.
    expect: { poll: { timeout: 10_000, interval: 100 } },
    hookTimeout: 90_000,
    env: {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
