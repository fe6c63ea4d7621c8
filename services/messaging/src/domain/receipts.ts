import { toTimestamp } from '@cruddur/contracts';
import {
  type InboxItem,
  parseMessageSortKey,
  type ReceiptItem,
  receiptItem,
  type SettingsChange,
  type SettingsItem,
  sendsReadReceipts,
} from '@cruddur/ddb';
import type { MessageStore, ProfileRow } from '../data/store.ts';
import { profileOf, type ReceiptView } from './views.ts';

/**
 * Up to this many members, a thread page reads the others' positions and everyone's settings in one BatchGetItem
 * (2n - 1 keys); above it, a Query of the receipt partition and then the settings of those with a position, which
 * reads fewer items for a big group where few have read anything yet.
 */
const ONE_REQUEST_MEMBERS = 10;

/** A user's own settings as the API shows them. */
export interface SettingsView {
  /** false: nobody sees how far you have read, and you see nobody's position either. */
  read_receipts: boolean;
}

/**
 * Read receipts. Marking a conversation read moves the member's inbox row (`last_read_key`) and then records that
 * position in their receipt item, forward only, and only while they send read receipts (the settings check is in
 * the receipt's own transaction). A crash between the two leaves the receipt behind until the next mark, which
 * records it (a repeated mark is harmless). The rule: a member with read receipts off has no visible position, and
 * sees nobody else's (as in most messengers, it works both ways); their position is not recorded while off, so
 * turning receipts on again shows their position from their next mark. Settings are read strongly consistent on
 * every decision, never cached, so a change holds on every replica at once.
 */
export class Receipts {
  constructor(private readonly options: { store: MessageStore; clock: () => Date }) {}

  /** After a mark: the row as the mark left it. */
  async record(row: InboxItem): Promise<void> {
    const readKey = row.last_read_key;
    const messageUuid = readKey ? parseMessageSortKey(readKey)?.messageUuid : undefined;
    if (!readKey || !messageUuid) return;
    // Opening a thread marks it read each time: when the position is already recorded, 0.5 read units instead of a
    // refused transaction (4 write units). A stale answer only means the transaction decides, as it always can.
    const recorded = await this.options.store.getReceipt(row.message_group_uuid, row.owner_uuid);
    if (recorded && recorded.read_key >= readKey) return;
    await this.options.store.recordReceipt(
      receiptItem({
        groupUuid: row.message_group_uuid,
        userUuid: row.owner_uuid,
        readKey,
        messageUuid,
        at: toTimestamp(this.options.clock()),
      }),
    );
  }

  /**
   * The positions `viewer` may see in a conversation whose current members are `members`: every other current
   * member's who sends read receipts, none when the viewer does not. The keys say which message each one is.
   */
  async visibleTo(groupUuid: string, viewer: string, members: readonly string[]): Promise<VisibleReceipt[]> {
    const { store } = this.options;
    const current = new Set(members);
    let others: ReceiptItem[];
    let settings: Map<string, SettingsItem>;
    if (members.length <= ONE_REQUEST_MEMBERS) {
      // A direct conversation or a small group: every key is known, so positions and settings are one request.
      const found = await store.getPositionsAndSettings(
        groupUuid,
        viewer,
        members.filter((m) => m !== viewer),
      );
      others = found.receipts;
      settings = found.settings;
    } else {
      others = (await store.listReceipts(groupUuid)).filter(
        (r) => r.user_uuid !== viewer && current.has(r.user_uuid),
      );
      // Nobody else has a position: no settings to read.
      if (others.length === 0) return [];
      settings = await store.getSettings([viewer, ...others.map((r) => r.user_uuid)]);
    }
    if (!sendsReadReceipts(settings.get(viewer))) return [];
    return others
      .filter((r) => sendsReadReceipts(settings.get(r.user_uuid)))
      .map((r) => ({
        user_uuid: r.user_uuid,
        read_key: r.read_key,
        message_uuid: r.read_message_uuid,
        read_at: r.read_at,
      }));
  }

  async settings(userUuid: string): Promise<SettingsView> {
    return {
      read_receipts: sendsReadReceipts((await this.options.store.getSettings([userUuid])).get(userUuid)),
    };
  }

  /** Changes only the settings named; the answer is all of them. */
  async changeSettings(userUuid: string, change: SettingsChange): Promise<SettingsView> {
    const item = await this.options.store.changeSettings(userUuid, change, toTimestamp(this.options.clock()));
    return { read_receipts: sendsReadReceipts(item) };
  }
}

/** The positions as a thread shows them, with each member's profile. */
export function toReceipts(
  found: readonly VisibleReceipt[],
  profiles: Map<string, ProfileRow>,
): ReceiptView[] {
  return found.map((r) => ({
    user: profileOf(r.user_uuid, profiles),
    message_uuid: r.message_uuid,
    read_at: r.read_at,
  }));
}

export interface VisibleReceipt {
  user_uuid: string;
  /** The sort key of the message, so a page can tell which of its messages each position is. */
  read_key: string;
  message_uuid: string;
  read_at: string;
}
