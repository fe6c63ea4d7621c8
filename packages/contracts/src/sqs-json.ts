/**
 * JSON for an SQS message body (directly, or through SNS): every character outside printable ASCII written as a
 * `\uXXXX` escape, which `JSON.parse` reads back unchanged. SQS accepts only some Unicode in a body (not U+FFFE,
 * U+FFFF or lone surrogates, which a message text may hold), and the local emulator also refuses every character
 * above U+FFFF, which is where most emoji live: one such reaction or message would fail its publish, and the stream
 * consumer would retry the batch behind it forever. Escaped, a body is always valid, at up to 6 bytes a character.
 */
export function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
