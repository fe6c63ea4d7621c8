import { z } from 'zod';
import { keys } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * A user's own messaging settings: `SETTINGS#<user>` / `SETTINGS`, one item for every setting (each absent
 * attribute is its default). Read with a strongly consistent read wherever it decides something, never cached,
 * so a change holds on every replica at once. Written field by field (UpdateItem), so a writer of one setting
 * never drops another's; unknown attributes are left to their owners (the schema does not strip them on write).
 */
export const SETTINGS_ITEM_TYPE = 'settings';

export const settingsItemSchema = z
  .object({
    pk: z.string(),
    sk: z.literal('SETTINGS'),
    type: z.literal(SETTINGS_ITEM_TYPE),
    user_uuid: z.uuid(),
    /** false: the user's read position is neither recorded nor shown, and they see no one else's. Absent: true. */
    read_receipts: z.boolean().optional(),
    updated_at: timestamp,
  })
  .refine((s) => s.pk === keys.settings(s.user_uuid).pk, 'pk does not match user_uuid');

export type SettingsItem = z.infer<typeof settingsItemSchema>;

/** The settings a user can change, each optional: a change names only what it changes. */
export interface SettingsChange {
  read_receipts?: boolean | undefined;
}

/** A whole settings item (the seed and tests); the service writes changes with `buildChangeSettings`. */
export function settingsItem(userUuid: string, change: SettingsChange, at: string): SettingsItem {
  return {
    ...keys.settings(userUuid),
    type: SETTINGS_ITEM_TYPE,
    user_uuid: userUuid,
    ...(change.read_receipts !== undefined ? { read_receipts: change.read_receipts } : {}),
    updated_at: at,
  };
}

/** Whether the user sends (and so sees) read receipts: on unless they turned it off. */
export const sendsReadReceipts = (settings: Pick<SettingsItem, 'read_receipts'> | undefined): boolean =>
  settings?.read_receipts !== false;
