import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CruddurMessagingStack, type CruddurMessagingStackProps } from './messaging-stack.ts';

export interface BuildAppOptions extends CruddurMessagingStackProps {
  outdir?: string;
  stackName?: string;
}

/**
 * The CDK app: one environment-agnostic stack (no lookups, so it synthesizes offline) with cdk-nag's
 * AwsSolutions pack as a policy-validation plugin: `cdk synth` fails on any finding that is not acknowledged
 * (with a reason, next to the construct). The tests run the same pack with `validateScope`.
 */
export function buildApp({ outdir, stackName = 'CruddurMessaging', ...props }: BuildAppOptions) {
  const app = new App(outdir ? { outdir } : {});
  const stack = new CruddurMessagingStack(app, stackName, {
    description: `Cruddur messaging: tables, queues, topic, least-privilege roles, stream consumer (${props.streamConsumer})`,
    ...props,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
