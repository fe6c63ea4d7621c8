import { BIO_MAX, CONTROL_CHARS, DISPLAY_NAME_MAX, HANDLE_PATTERN, userSnapshot } from '@cruddur/contracts';
import { z } from '@hono/zod-openapi';

/** 1 to 32 letters, digits or underscores; compared without regard to case. Also a CHECK in the database. */
export { HANDLE_PATTERN };

const EMAIL_MAX = 254;
const COGNITO_ID_MAX = 128;

/**
 * Every zod message below is an error code from packages/http, so the 422 body lists exactly what is
 * wrong. `abort` stops a blank field from also being reported as malformed.
 */
const handleInput = z
  .string({ error: 'handle_blank' })
  .min(1, { error: 'handle_blank', abort: true })
  .regex(HANDLE_PATTERN, { error: 'handle_invalid' })
  .openapi({ example: 'andrewbrown' });

const displayNameInput = z
  .string({ error: 'display_name_blank' })
  .trim()
  .min(1, { error: 'display_name_blank', abort: true })
  .max(DISPLAY_NAME_MAX, { error: 'display_name_too_long' })
  .refine((v) => !CONTROL_CHARS.test(v), { error: 'display_name_invalid' })
  .openapi({ example: 'Andrew Brown' });

const emailInput = z
  .string({ error: 'email_blank' })
  .trim()
  .min(1, { error: 'email_blank', abort: true })
  .max(EMAIL_MAX, { error: 'email_invalid', abort: true })
  .pipe(z.email({ error: 'email_invalid' }))
  .openapi({ example: 'andrew@exampro.co' });

const cognitoUserIdInput = z
  .string({ error: 'cognito_user_id_blank' })
  .trim()
  .min(1, { error: 'cognito_user_id_blank', abort: true })
  .max(COGNITO_ID_MAX, { error: 'cognito_user_id_invalid' })
  .refine((v) => !CONTROL_CHARS.test(v), { error: 'cognito_user_id_invalid' });

/** A blank bio is stored as no bio, so "" and null read back the same. */
const bioInput = z
  .string({ error: 'bio_too_long' })
  .trim()
  .max(BIO_MAX, { error: 'bio_too_long' })
  .nullable()
  .transform((v) => (v === '' ? null : v));

export const registerUserBody = z
  .object({
    handle: handleInput,
    display_name: displayNameInput,
    email: emailInput,
    cognito_user_id: cognitoUserIdInput,
    bio: bioInput.optional(),
  })
  .openapi('RegisterUser');
export type RegisterUserInput = z.output<typeof registerUserBody>;

// Strict: a client that tries to change a field this endpoint does not own (handle, email) hears so.
export const updateProfileBody = z
  .strictObject(
    { display_name: displayNameInput.optional(), bio: bioInput.optional() },
    { error: 'body_invalid' },
  )
  .openapi('UpdateProfile');
export type ProfilePatch = z.output<typeof updateProfileBody>;

const LOOKUP_MAX = 100;

/**
 * Exactly one of `uuids` or `handles`, 1..100 of them. Handles match without regard to case; one no user
 * could have (wrong characters, over 32) is refused rather than silently absent, so a caller's typo is
 * never mistaken for an unknown user.
 */
export const lookupBody = z
  .object({
    uuids: z
      .array(z.uuid({ error: 'uuids_invalid' }), { error: 'uuids_invalid' })
      .min(1, { error: 'uuids_invalid' })
      .max(LOOKUP_MAX, { error: 'uuids_invalid' })
      .optional(),
    handles: z
      .array(z.string({ error: 'handles_invalid' }).regex(HANDLE_PATTERN, { error: 'handles_invalid' }), {
        error: 'handles_invalid',
      })
      .min(1, { error: 'handles_invalid' })
      .max(LOOKUP_MAX, { error: 'handles_invalid' })
      .optional(),
  })
  .superRefine(
    (_value, ctx) => {
      if (typeof ctx.value !== 'object' || ctx.value === null) return;
      const given = ctx.value as { uuids?: unknown; handles?: unknown };
      const uuids = given.uuids !== undefined;
      const handles = given.handles !== undefined;
      // Neither: the uuid form is the original one, so its code says what is missing.
      if (!uuids && !handles) ctx.addIssue({ code: 'custom', message: 'uuids_invalid' });
      if (uuids && handles) ctx.addIssue({ code: 'custom', message: 'body_invalid' });
    },
    { when: () => true },
  )
  .openapi('LookupUsers', {
    description: 'Exactly one of `uuids` or `handles` (case-insensitive), 1..100 of them',
  });

export const userSchema = z
  .object({
    uuid: z.uuid(),
    handle: z.string(),
    display_name: z.string(),
    bio: z.string().nullable(),
    email: z.string(),
    cognito_user_id: z.string().nullable(),
    created_at: z.string().openapi({ example: '2026-11-25T13:40:00.000Z' }),
    updated_at: z.string(),
    version: z.number().int().positive(),
  })
  .openapi('User');
export type User = z.infer<typeof userSchema>;

export const userShortSchema = z
  .object({ uuid: z.uuid(), handle: z.string(), display_name: z.string() })
  .openapi('UserShort');
export type UserShort = z.infer<typeof userShortSchema>;

/** What other services may copy of a user: the payload of every user event, and GET /internal/users/{uuid}. */
export const userSnapshotSchema = z.object(userSnapshot.shape).openapi('UserSnapshot');

export const errorBodySchema = z
  .object({ errors: z.array(z.string()).openapi({ example: ['user_not_found'] }) })
  .openapi('Errors');
