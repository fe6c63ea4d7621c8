import type { SystemVerification } from './system.ts';

/** Human-readable summary: what was checked, what was found, and up to `limit` violations. */
export function formatVerification(result: SystemVerification, limit = 50): string {
  const t = result.table;
  const lines = [
    `table ${t.table}: ${t.items} items in ${t.pages} pages: ${t.conversations} conversations (groups: ${t.groups}), ${t.messages} messages, ${t.inboxRows} inbox rows, ${t.profiles} profiles`,
  ];
  if (result.outbox) lines.push(`outbox: ${result.outbox.events} events, ${result.outbox.pending} not sent`);
  if (result.queues) {
    for (const q of result.queues.queues)
      lines.push(
        `queue ${q.name} (${q.role}): ${q.visible} visible, ${q.inFlight} in flight, ${q.delayed} delayed`,
      );
  }
  lines.push(`invariant violations: ${result.violations.length}`);
  for (const v of result.violations.slice(0, limit))
    lines.push(`  ${v.kind}: ${v.detail}${v.pk ? ` [${v.pk}${v.sk ? ` / ${v.sk}` : ''}]` : ''}`);
  if (result.violations.length > limit) lines.push(`  ... and ${result.violations.length - limit} more`);
  return lines.join('\n');
}
