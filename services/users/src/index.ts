export { createUsersApp } from './app.ts';
export { type UsersConfig, usersConfigSchema } from './config.ts';
export { createPool, withTransaction } from './data/db.ts';
export { countPendingEvents } from './data/outbox.ts';
export { findUserByCognitoId, findUserByHandle } from './data/users.ts';
export { MIGRATIONS_DIR, migrateUsersDatabase } from './migrate.ts';
export { OutboxRelay, type OutboxRelayOptions } from './relay.ts';
export {
  HANDLE_PATTERN,
  type RegisterUserInput,
  registerUserBody,
  type User,
  type UserShort,
  userSchema,
  userShortSchema,
} from './schemas.ts';
export { type StartUsersServiceOptions, startUsersService, type UsersService } from './service.ts';
export {
  deleteUser,
  type LinkResult,
  linkCognitoUser,
  registerUser,
  updateProfile,
  userSnapshot,
} from './users.ts';
