export {
  checkMessageText as checkMessage,
  IDEMPOTENCY_KEY_PATTERN as IDEMPOTENCY_KEY,
  isUuid,
  MAX_MESSAGE_CHARS,
} from '@cruddur/contracts';
