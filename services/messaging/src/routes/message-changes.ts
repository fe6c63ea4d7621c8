import { createRouter, validationHook } from '@cruddur/http';
import { actingUser, type ServiceAuthEnv } from '@cruddur/service-auth';
import { createRoute, z } from '@hono/zod-openapi';
import type { MessageChanges } from '../domain/changes.ts';
import {
  credentialErrors,
  errorResponse,
  idempotencyKeyField,
  jsonResponse,
  Message,
  messageField,
  pathUuid,
  uuidParam,
} from './schemas.ts';

const PARAMS = { group_uuid: 'message_group_uuid_invalid', message_uuid: 'message_uuid_invalid' } as const;
const params = z.object({ group_uuid: pathUuid('group_uuid'), message_uuid: pathUuid('message_uuid') });
const notFound = errorResponse(
  'message_group_not_found (not a member), or message_not_found (none with this uuid sent to the user; also a uuid that is not a UUIDv7, as messages written before them have)',
);

const editMessage = createRoute({
  method: 'patch',
  path: '/internal/conversations/{group_uuid}/messages/{message_uuid}',
  summary: "Edits the acting user's own message, within MESSAGE_EDIT_WINDOW_MINUTES of sending it",
  description: 'It keeps its place in the thread and gets `edited_at`. The same text again changes nothing.',
  request: {
    params,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ message: messageField, idempotency_key: idempotencyKeyField }),
        },
      },
    },
  },
  responses: {
    200: jsonResponse(Message, 'The message as edited (an idempotent retry: as it is now)'),
    404: notFound,
    409: errorResponse('message_deleted, idempotency_key_reused, or conflict (retryable)'),
    422: errorResponse('edit_window_passed, or every input code that applies'),
    ...credentialErrors,
    403: errorResponse('not_message_sender (system messages included), or service_caller_forbidden'),
  },
});

const deleteMessage = createRoute({
  method: 'delete',
  path: '/internal/conversations/{group_uuid}/messages/{message_uuid}',
  summary: "Deletes the acting user's own message for everyone: a tombstone without text keeps its place",
  description: 'Deleting a deleted message again answers its tombstone.',
  request: { params },
  responses: {
    200: jsonResponse(Message, 'The tombstone (`deleted: true`, `message: ""`)'),
    404: notFound,
    409: errorResponse('conflict (retryable)'),
    422: errorResponse('message_group_uuid_invalid, message_uuid_invalid'),
    ...credentialErrors,
    403: errorResponse('not_message_sender (system messages included), or service_caller_forbidden'),
  },
});

export function messageChangeRoutes(changes: MessageChanges) {
  const app = createRouter<ServiceAuthEnv>();
  const ids = (p: { group_uuid: string; message_uuid: string }) => ({
    groupUuid: uuidParam(p.group_uuid, 'message_group_uuid_invalid'),
    messageUuid: uuidParam(p.message_uuid, 'message_uuid_invalid'),
  });

  app.openapi(
    editMessage,
    async (c) => {
      const body = c.req.valid('json');
      const result = await changes.edit({
        ...ids(c.req.valid('param')),
        userUuid: actingUser(c),
        text: body.message,
        idempotencyKey: body.idempotency_key,
      });
      return c.json(result.message, 200);
    },
    validationHook(PARAMS),
  );

  app.openapi(
    deleteMessage,
    async (c) => c.json(await changes.delete({ ...ids(c.req.valid('param')), userUuid: actingUser(c) }), 200),
    validationHook(PARAMS),
  );

  return app;
}
