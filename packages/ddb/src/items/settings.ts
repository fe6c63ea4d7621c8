import { z } from 'zod';
import { keys } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * A user's own messaging settings: `SETTINGS#<user>` / `SETTINGS`. Absent: the defaults (read receipts on).
 * Read with a strongly consistent read wherever it decides something, never cached, so a change holds on
 * every replica at once.
 */
export const SETTINGS_ITEM_TYPE = 'settings';

export const settingsItemSchema = z
  .object({
    pk: z.string(),
    sk: z.literal('SETTINGS'),
    type: z.literal(SETTINGS_ITEM_TYPE),
    user_uuid: z.uuid(),
    /** false: the user's read position is neither recorded nor shown, and they see no one else's. */
    read_receipts: z.boolean(),
    updated_at: timestamp,
  })
  .refine((s) => s.pk === keys.settings(s.user_uuid).pk, 'pk does not match user_uuid');

export type SettingsItem = z.infer<typeof settingsItemSchema>;

export function settingsItem(userUuid: string, readReceipts: boolean, at: string): SettingsItem {
  return {
    ...keys.settings(userUuid),
    type: SETTINGS_ITEM_TYPE,
    user_uuid: userUuid,
    read_receipts: readReceipts,
    updated_at: at,
  };
}
