/** One emulated dependency of the local stack. start() resolves once it answers requests. */
export interface Dependency {
  readonly name: DependencyName;
  readonly port: number;
  readonly pid: number | undefined;
  start(): Promise<void>;
  /** Graceful stop; in-memory data is gone afterwards unless the stack keeps data on disk. */
  stop(): Promise<void>;
  /** kill -9: a crash, for fault injection. start() brings it back on the same port. */
  kill9(): Promise<void>;
}

export type DependencyName = 'postgres' | 'dynamodb' | 'sqs' | 'cognito';

/** What each dependency is called in messages for people. */
export const DEPENDENCY_LABELS: Record<DependencyName, string> = {
  postgres: 'PostgreSQL',
  dynamodb: 'DynamoDB Local',
  sqs: 'SQS and SNS (fauxqs)',
  cognito: 'Cognito (cognito-local)',
};
