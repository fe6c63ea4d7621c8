import { z } from 'zod';
import { keys } from '../keys.ts';
import { timestamp } from './fields.ts';

/**
 * `scripts/ddb/seed`'s bookkeeping: `SEED#anchor` / `SEED`, its fixed "now", stored on the first run so later
 * runs write the same message keys. Never read by the services.
 */

export const seedAnchorItemSchema = z.object({
  pk: z.literal(keys.seedAnchor().pk),
  sk: z.literal('SEED'),
  type: z.literal('seed'),
  anchor: timestamp,
});

export type SeedAnchorItem = z.infer<typeof seedAnchorItemSchema>;

export function seedAnchorItem(anchor: string): SeedAnchorItem {
  return { ...keys.seedAnchor(), type: 'seed', anchor };
}
