export { buildMessagingApp } from './app.ts';
export { type MessagingConfig, messagingConfigSchema } from './config.ts';
export type * from './data/items.ts';
export * from './data/requests.ts';
export { MessageStore, type ProfileRow } from './data/store.ts';
export {
  type ConversationView,
  type MessageView,
  Messaging,
  type Page,
  type UserShort,
} from './domain/messaging.ts';
export { applyProfileEvent, ProfileReplica } from './profiles/replica.ts';
export { type ProfileSource, usersServiceProfiles } from './profiles/source.ts';
export {
  type RunningMessagingService,
  type StartMessagingOptions,
  startMessagingService,
} from './service.ts';
export { checkMessage, MAX_MESSAGE_CHARS } from './validation.ts';
