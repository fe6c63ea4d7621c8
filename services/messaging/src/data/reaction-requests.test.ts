import { receiptItem } from '@cruddur/ddb';
import { SAMPLE } from '@cruddur/test-kit';
import { describe, expect, it } from 'vitest';
import {
  buildAddReaction,
  buildFirstReaction,
  buildListReceipts,
  buildRecordReceipt,
  buildRemoveReaction,
} from './reaction-requests.ts';
import { buildChangeSettings } from './settings-requests.ts';

const { a: A, group: G, message: M, at } = SAMPLE;
const change = { groupUuid: G, sk: `${at}#${M}`, userUuid: A, emoji: '👍' };

describe('reaction requests', () => {
  it('add the member to the emoji’s set only once, never on a tombstone, within 20 distinct emoji', () => {
    const add = buildAddReaction('t', change);
    expect(add.Key).toEqual({ pk: `MSG#${G}`, sk: change.sk });
    expect(add.UpdateExpression).toBe('ADD reactions.#e :users, reaction_version :one');
    expect(add.ConditionExpression).toContain('NOT contains(reactions.#e, :me)');
    expect(add.ConditionExpression).toContain('attribute_not_exists(deleted)');
    expect(add.ConditionExpression).toContain('(attribute_exists(reactions.#e) OR size(reactions) < :max)');
    expect(add.ExpressionAttributeNames).toEqual({ '#e': '👍' });
    expect(add.ExpressionAttributeValues).toMatchObject({ ':users': new Set([A]), ':me': A, ':max': 20 });
    expect(add.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });
  it('write the map whole for the first reaction, and remove only a reaction that is there', () => {
    const first = buildFirstReaction('t', change);
    expect(first.ConditionExpression).toContain('attribute_not_exists(reactions)');
    expect(first.ExpressionAttributeValues).toMatchObject({ ':first': { '👍': new Set([A]) } });
    const remove = buildRemoveReaction('t', change);
    expect(remove.UpdateExpression).toBe('DELETE reactions.#e :users ADD reaction_version :one');
    expect(remove.ConditionExpression).toBe('attribute_not_exists(deleted) AND contains(reactions.#e, :me)');
  });
});

describe('read position and settings requests', () => {
  it('record a position forward only, and only while the member sends read receipts', () => {
    const receipt = receiptItem({ groupUuid: G, userUuid: A, readKey: change.sk, messageUuid: M, at });
    const { input, roles } = buildRecordReceipt('t', receipt);
    expect(roles).toEqual(['receipt', 'settings']);
    const [put, check] = input.TransactItems!;
    expect(put?.Put?.ConditionExpression).toBe('attribute_not_exists(pk) OR read_key < :key');
    expect(check?.ConditionCheck?.Key).toEqual({ pk: `SETTINGS#${A}`, sk: 'SETTINGS' });
    expect(check?.ConditionCheck?.ConditionExpression).toContain('read_receipts = :on');
    expect(buildListReceipts('t', G).ExpressionAttributeValues).toEqual({ ':pk': `READ#${G}` });
  });
  it('change only the settings named', () => {
    const none = buildChangeSettings('t', A, {}, at);
    expect(none.UpdateExpression).toBe('SET #type = :type, user_uuid = :user, updated_at = :at');
    const off = buildChangeSettings('t', A, { read_receipts: false }, at);
    expect(off.UpdateExpression).toContain('read_receipts = :read_receipts');
    expect(off.ExpressionAttributeValues).toMatchObject({ ':read_receipts': false });
  });
});
