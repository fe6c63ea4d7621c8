import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { baseSchema, z } from '@cruddur/config';
import { createDocumentClient, DEFAULT_MESSAGE_TABLE, dynamoClientConfig } from '@cruddur/ddb';
import { DEFAULT_CONNECTION_TABLE } from '@cruddur/realtime';
import { privateKeyEnv } from '@cruddur/service-auth';
import { InvalidArgumentError } from 'commander';
import { loadScriptConfig } from '../../lib/script-env.ts';

const DEFAULT_LEASE_TABLE = 'cruddur-stream-leases';
/** DynamoDB Local's port in `scripts/up`; the ddb scripts never fall through to AWS unless told `--prod`. */
const LOCAL_DDB_ENDPOINT = 'http://127.0.0.1:8000';

export const ddbScriptSchema = baseSchema.extend({
  DDB_MESSAGE_TABLE: z.string().min(3).default(DEFAULT_MESSAGE_TABLE),
  DDB_LEASE_TABLE: z.string().min(3).default(DEFAULT_LEASE_TABLE),
  DDB_CONNECTION_TABLE: z.string().min(3).default(DEFAULT_CONNECTION_TABLE),
  USERS_URL: z.url().default('http://127.0.0.1:4571'),
  /** The operators' signing key, for the scripts that look users up in the users service (`scripts/up` writes it). */
  OPS_SERVICE_AUTH_PRIVATE_KEY: privateKeyEnv.optional(),
});
type DdbScriptConfig = z.infer<typeof ddbScriptSchema>;

export interface DdbScriptContext {
  config: DdbScriptConfig;
  /** Where the script points, for its output: "local http://127.0.0.1:8000" or "AWS us-east-1". */
  target: string;
  client: DynamoDBClient;
  doc: ReturnType<typeof createDocumentClient>;
  close(): void;
}

export function ddbScriptContext({ prod = false } = {}): DdbScriptContext {
  const config = loadScriptConfig(ddbScriptSchema, { prod });
  const endpoint = prod ? undefined : (config.DDB_ENDPOINT ?? LOCAL_DDB_ENDPOINT);
  const options = { region: config.AWS_REGION, endpoint };
  const client = new DynamoDBClient(dynamoClientConfig(options));
  const doc = createDocumentClient(options);
  return {
    config,
    target: endpoint ? `local ${endpoint}` : `AWS ${config.AWS_REGION}`,
    client,
    doc,
    close() {
      client.destroy();
      doc.destroy();
    },
  };
}

/** commander parser for --limit style options. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}
