import type { SystemEvent } from '@cruddur/ddb';

/**
 * The sentence a system message stores as its text, shown as a message from whoever made the change (so the
 * reference frontend, which knows nothing of system messages, still reads "Ann: added @carol"). Handles are
 * the ones at the time of the change; clients that want live names use `system.users`.
 */
export function systemText(
  event: SystemEvent,
  handles: ReadonlyMap<string, string>,
  /** Deleted accounts: named "Deleted user", as their profile is (an erasure renders again with them). */
  deleted: ReadonlySet<string> = new Set(),
): string {
  const named = event.user_uuids.map((u) =>
    deleted.has(u) ? DELETED_NAME : `@${handles.get(u) || 'someone'}`,
  );
  switch (event.action) {
    case 'added':
      return `added ${listed(named)}`;
    case 'left':
      return 'left the group';
    case 'renamed':
      return event.title ? `renamed the group to "${event.title}"` : "removed the group's title";
  }
}

const DELETED_NAME = 'Deleted user';

function listed(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
