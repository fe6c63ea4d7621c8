import { isUuid } from '@cruddur/contracts';
import type { Context } from 'hono';
import { type ErrorCode, isErrorCode } from './errors.ts';

interface Issue {
  message: string;
  path: readonly PropertyKey[];
}
/** What zod-openapi hands a hook: `target` names the part checked (`json`, `query`, `param`, `header`). */
type HookResult = { target?: string } & (
  | { success: true }
  | { success: false; data?: unknown; error: { issues: readonly Issue[] } }
);

/**
 * Codes a route adds from the raw body when validation fails anyway, so the caller hears every one at once.
 * Only a failed body reaches it: a failed query or header is not the body.
 */
// biome-ignore lint/suspicious/noExplicitAny: a route's own Context type varies with its env
export type ExtraCodes = (c: Context<any>, raw: Record<string, unknown>) => ErrorCode[];

/** zod issue messages double as error codes: `z.string().min(1, 'message_blank')`. */
function codesFromIssues(issues: readonly Issue[]): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  for (const issue of issues) {
    if (isErrorCode(issue.message)) codes.add(issue.message);
    else {
      const field = String(issue.path[0] ?? 'body');
      const guess = `${field}_invalid`;
      codes.add(isErrorCode(guess) ? guess : issue.path.length === 0 ? 'body_invalid' : 'query_invalid');
    }
  }
  return [...codes];
}

/**
 * The validation hook of every service: a failed zod check answers 422 with every code that applies.
 * `uuidParams` names path parameters that must be uuids, with their codes: zod-openapi checks the path
 * in an earlier, separate step, so they are checked here too and their codes join the body's or query's.
 * Routers built with `createRouter()` and apps built with `createApp()` use it with no path parameters.
 */
export function validationHook(uuidParams: Record<string, ErrorCode> = {}, extra?: ExtraCodes) {
  // biome-ignore lint/suspicious/noExplicitAny: see ExtraCodes
  return (result: HookResult, c: Context<any>) => {
    if (result.success) return undefined;
    const codes = new Set<ErrorCode>();
    for (const [name, code] of Object.entries(uuidParams)) if (!isUuid(c.req.param(name))) codes.add(code);
    for (const code of codesFromIssues(result.error.issues)) codes.add(code);
    const raw = result.data;
    const isBody = result.target === undefined || result.target === 'json';
    if (extra && isBody && typeof raw === 'object' && raw !== null) {
      for (const code of extra(c, raw as Record<string, unknown>)) codes.add(code);
    }
    return c.json({ errors: [...codes] }, 422);
  };
}
