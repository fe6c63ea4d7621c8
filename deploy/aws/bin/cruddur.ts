import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleService } from '@cruddur/deploy-docker/bundle';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { buildApp } from '../src/app.ts';
import type { StreamConsumerMode } from '../src/messaging-stack.ts';

/**
 * `pnpm --filter @cruddur/deploy-aws exec cdk deploy -c streamConsumer=lambda|ecs|eks [-c imageTag=<tag>]
 * [-c eksClusterName=<name>]`. Context is read from the CDK CLI (cdk.json sets the app command).
 */
const context = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as Record<string, string | undefined>;
const mode = (context.streamConsumer ?? 'lambda') as StreamConsumerMode;
if (!['lambda', 'ecs', 'eks'].includes(mode))
  throw new Error(`streamConsumer must be lambda, ecs or eks, not ${mode}`);

let streamConsumerLambdaCode: Code | undefined;
if (mode === 'lambda') {
  const dir = mkdtempSync(join(tmpdir(), 'cruddur-lambda-'));
  await bundleService('stream-consumer', dir, { entry: 'src/lambda.ts', outfile: 'index.mjs' });
  streamConsumerLambdaCode = Code.fromAsset(dir);
}

const { app } = buildApp({
  streamConsumer: mode,
  ...(streamConsumerLambdaCode ? { streamConsumerLambdaCode } : {}),
  ...(mode === 'ecs'
    ? {
        streamConsumerImage: {
          repositoryName: context.imageRepository ?? 'cruddur/stream-consumer',
          tag: context.imageTag ?? 'latest',
        },
      }
    : {}),
  ...(context.eksClusterName ? { eksClusterName: context.eksClusterName } : {}),
  ...(context.eksNamespace ? { eksNamespace: context.eksNamespace } : {}),
  ...(context.maxWorkers ? { maxWorkers: Number(context.maxWorkers) } : {}),
});
app.synth();
