import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * DynamoDB cost accounting for the benchmarks: what DynamoDB (Local) says each request consumed
 * (`ReturnConsumedCapacity: 'INDEXES'`), and what AWS's documented rules make of the same request from its
 * item sizes, so a report can list every unit of an API call and say where DynamoDB Local's own figure
 * differs from AWS's (it does for transactions: it reports 2 units for a 3-item TransactWriteItems).
 */

/**
 * One request a recording client sent, with the capacity DynamoDB answered it consumed. The recording sits
 * above the document client's marshalling, so items and keys are plain values.
 */
export interface RecordedRequest {
  /** The API action: GetItem, Query, BatchGetItem, TransactWriteItems, UpdateItem, PutItem. */
  command: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  consumed: ConsumedCapacity[];
}

/**
 * Makes `client` ask for `ReturnConsumedCapacity: 'INDEXES'` on every request and record it with what came
 * back. Returns the list it appends to; `clear()` empties it between the operations being measured.
 */
export function recordCapacity(client: DynamoDBDocumentClient): {
  requests: RecordedRequest[];
  clear(): void;
} {
  const requests: RecordedRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const out = await next(args);
      const output = out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      const consumed = output.ConsumedCapacity;
      requests.push({
        command: String(context.commandName ?? 'unknown').replace(/Command$/, ''),
        input: structuredClone(input),
        output: out.output as Record<string, unknown>,
        consumed: consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed],
      });
      return out;
    },
    { step: 'initialize', name: 'benchRecordCapacity' },
  );
  return { requests, clear: () => requests.splice(0) };
}

/** Units a recorded request consumed by DynamoDB's own answer (table and indexes). */
export const reportedUnits = (r: RecordedRequest) =>
  r.consumed.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Size of a number as DynamoDB stores it: one byte per two significant digits, plus one. */
function numberSize(n: number | bigint): number {
  const digits = String(n)
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/**
 * Size in bytes of an attribute value by AWS's rules ("Item sizes and formats" in the DynamoDB developer
 * guide): strings and binaries by length (UTF-8), numbers as above, booleans and null 1 byte, lists and maps
 * 3 bytes plus 1 byte per element plus their contents (a map's keys count like attribute names), sets the
 * sum of their members.
 */
function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((n: number, v) => n + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (n, [k, v]) => n + 1 + utf8(k) + valueSize(v),
        0,
      )
    );
  }
  return 0;
}

/** An item's size: every attribute's name plus its value. */
export function itemSize(item: Readonly<Record<string, unknown>>): number {
  return Object.entries(item).reduce((n, [k, v]) => (v === undefined ? n : n + utf8(k) + valueSize(v)), 0);
}

/** Write request units of one write of an item this size: 1 per started KB. */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** Read request units of reading this many bytes: 1 per started 4 KB, half that when eventually consistent. */
export const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
