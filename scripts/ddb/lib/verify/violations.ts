/** What the invariant checks report, and what they are given to check. */

export interface Violation {
  kind: string;
  detail: string;
  pk?: string;
  sk?: string;
}

/** A message a client was told was accepted: it must be stored exactly once. */
export interface ExpectedMessage {
  message_uuid: string;
  message_group_uuid: string;
  /** The text sent; unique per logical send, so a retry that stored a second copy is caught even under another uuid. */
  text?: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Collects violations in the order they are found; `key` is the item (or key) each is about. */
export class Violations {
  readonly list: Violation[] = [];

  add(kind: string, detail: string, key?: { pk?: unknown; sk?: unknown }): void {
    this.list.push({
      kind,
      detail,
      ...(key?.pk !== undefined ? { pk: str(key.pk) } : {}),
      ...(key?.sk !== undefined ? { sk: str(key.sk) } : {}),
    });
  }
}
