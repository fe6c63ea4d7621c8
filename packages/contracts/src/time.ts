import { z } from 'zod';

/** The one timestamp format everywhere: UTC ISO-8601 with milliseconds and `Z`, so strings sort as times. */
export const timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'UTC ISO-8601 with ms and Z');

export function toTimestamp(date: Date | number = new Date()): string {
  return (typeof date === 'number' ? new Date(date) : date).toISOString();
}
