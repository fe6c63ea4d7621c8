import type { MigrationBuilder } from 'node-pg-migrate';

/**
 * Users with the uniqueness the reference lacked (section 5): handle and email unique regardless of case,
 * one user per Cognito sub. The outbox holds each change's event until the relay has put it on SQS.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', {
    uuid: { type: 'uuid', primaryKey: true, default: pgm.func('gen_random_uuid()') },
    handle: { type: 'text', notNull: true },
    display_name: { type: 'text', notNull: true },
    email: { type: 'text', notNull: true },
    // Nullable: a user seeded before its Cognito pool exists is linked later by update-cognito-user-ids.
    cognito_user_id: { type: 'text' },
    bio: { type: 'text' },
    // Grows by one per profile change; events carry it so consumers can ignore stale or replayed ones.
    version: { type: 'integer', notNull: true, default: 1 },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    updated_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
  });
  // The same rules as the API's validation, so no other writer (a script, psql) can store what the API refuses.
  pgm.addConstraint('users', 'users_handle_format', { check: "handle ~ '^[A-Za-z0-9_]{1,32}$'" });
  pgm.addConstraint('users', 'users_version_positive', { check: 'version >= 1' });
  // Constraint names are what the service maps to handle_taken / email_taken / cognito_user_id_taken.
  pgm.createIndex('users', 'lower(handle)', { name: 'users_handle_key', unique: true });
  pgm.createIndex('users', 'lower(email)', { name: 'users_email_key', unique: true });
  pgm.addConstraint('users', 'users_cognito_user_id_key', { unique: 'cognito_user_id' });

  pgm.createTable('outbox', {
    // The event id: a re-publish after a crash carries the same id, so consumers can drop the duplicate.
    id: { type: 'uuid', primaryKey: true },
    // Publishing order: two events written in one millisecond still have an order.
    seq: { type: 'bigserial', notNull: true, unique: true },
    aggregate_id: { type: 'uuid', notNull: true },
    event_type: { type: 'text', notNull: true },
    envelope: { type: 'jsonb', notNull: true },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    published_at: { type: 'timestamptz' },
    attempts: { type: 'integer', notNull: true, default: 0 },
    last_error: { type: 'text' },
  });
  // The relay only ever scans unpublished rows; a partial index keeps that cheap as the table grows.
  pgm.createIndex('outbox', 'seq', { name: 'outbox_pending_idx', where: 'published_at IS NULL' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('outbox');
  pgm.dropTable('users');
}
