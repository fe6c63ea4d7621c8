// The item types and builders live in @cruddur/ddb; re-exported here, as before they moved.
export {
  type ConversationItem,
  type IdempotencyItem,
  type InboxItem,
  idempotencyItem,
  inboxItem,
  type MessageItem,
  messageItem,
  type NewIdempotency,
  type NewMessage,
  type PairItem,
  sortedMembers,
  type TableItem,
  type UserItem,
  userItem,
} from '@cruddur/ddb';
export { buildMessagingApp } from './app.ts';
export { type MessagingConfig, messagingConfigSchema } from './config.ts';
export { ProfileCache } from './data/profile-cache.ts';
export * from './data/requests.ts';
export { buildBatchGetPositionsAndSettings } from './data/settings-requests.ts';
export { MessageStore, type ProfileRow } from './data/store.ts';
export {
  type ConversationView,
  type MessageView,
  Messaging,
  type Page,
  type UserShort,
} from './domain/messaging.ts';
export { systemText } from './domain/system-text.ts';
export { applyProfileEvent, ProfileReplica } from './profiles/replica.ts';
export { type ProfileSource, usersServiceProfiles } from './profiles/source.ts';
export {
  type RunningMessagingService,
  type StartMessagingOptions,
  startMessagingService,
} from './service.ts';
export { checkMessage, MAX_MESSAGE_CHARS } from './validation.ts';
