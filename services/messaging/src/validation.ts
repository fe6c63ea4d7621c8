export {
  checkMessageText as checkMessage,
  IDEMPOTENCY_KEY_PATTERN as IDEMPOTENCY_KEY,
  isUuid,
  MAX_MESSAGE_CHARS,
  type MessageTextCheck as MessageCheck,
} from '@cruddur/contracts';
