import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  conversationItemSchema,
  isGroupMessage,
  keys,
  type MessageItem,
  parseItem,
  parseOptionalItem,
  sendsReadReceipts,
  settingsItemSchema,
} from '@cruddur/ddb';

/**
 * Who hears of a reaction or a read position: the conversation's current members (a group's from its META, read
 * strongly consistent; a direct conversation's never change, so the message's own), and of those only who may see
 * it. Decided when the record is handled, so a member who left in between is not told.
 */
export class Audience {
  constructor(private readonly options: { ddb: DynamoDBDocumentClient; table: string }) {}

  /** Current members the message was sent to (someone who joined later never saw it). */
  async ofMessage(message: MessageItem): Promise<string[]> {
    if (!isGroupMessage(message)) return [...message.members];
    const current = new Set(await this.members(message.message_group_uuid));
    return message.members.filter((m) => current.has(m));
  }

  /**
   * Current members who send read receipts (settings read strongly consistent): someone who turned theirs off
   * sees nobody's position; the reader is among them (their other devices follow), unless they turned theirs off.
   */
  async ofReceipt(groupUuid: string): Promise<string[]> {
    const members = await this.members(groupUuid);
    const off = new Set<string>();
    for (let i = 0; i < members.length; i += 100) {
      const request = {
        RequestItems: {
          [this.options.table]: {
            Keys: members.slice(i, i + 100).map((u) => keys.settings(u)),
            ConsistentRead: true,
          },
        },
      };
      for (const item of await batchGetAll(this.options.ddb, request)) {
        const settings = parseItem(settingsItemSchema, item);
        if (!sendsReadReceipts(settings)) off.add(settings.user_uuid);
      }
    }
    return members.filter((m) => !off.has(m));
  }

  private async members(groupUuid: string): Promise<string[]> {
    const out = await this.options.ddb.send(
      new GetCommand({
        TableName: this.options.table,
        Key: keys.conversation(groupUuid),
        ConsistentRead: true,
      }),
    );
    return parseOptionalItem(conversationItemSchema, out.Item)?.members ?? [];
  }
}
