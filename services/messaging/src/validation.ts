export {
  checkGroupTitle,
  checkMessageText as checkMessage,
  DISPLAY_NAME_MAX,
  HANDLE_PATTERN,
  IDEMPOTENCY_KEY_PATTERN as IDEMPOTENCY_KEY,
  isUuid,
  MAX_MESSAGE_CHARS,
} from '@cruddur/contracts';
