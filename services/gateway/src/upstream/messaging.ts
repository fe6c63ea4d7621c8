import type { ServiceClient } from '@cruddur/http';
import { bearer, type ServiceSigner } from '@cruddur/service-auth';
import { parseUpstream, upstreamFailure } from './errors.ts';
import {
  conversationPage,
  feedPage,
  group,
  groupChangeResult,
  leaveResult,
  message,
  messagePage,
  readResult,
  startConversationResult,
  startGroupResult,
  type UserShort,
} from './schemas.ts';

export interface PageQuery {
  limit?: number | undefined;
  cursor?: string | undefined;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * The messaging service calls the gateway makes (docs/contracts.md). Each carries a short-lived
 * assertion, signed by the gateway, of the user it acts for: that user comes from the verified Cognito
 * token, never from the public request, and messaging reads it from nowhere else. Writes carrying an
 * idempotency key are marked safe to retry: messaging answers a repeat with the same message.
 */
export function createMessagingClient(client: ServiceClient, signer: ServiceSigner) {
  const actingFor = async (userUuid: string) => bearer(await signer.forUser('messaging', userUuid));
  return {
    async listConversations(userUuid: string, { limit, cursor }: PageQuery) {
      const res = await client.request(`/internal/conversations${query({ limit, cursor })}`, {
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', conversationPage, res.body);
    },

    /** A page of the user's change feed after a feed key; reads only, so safe to retry. */
    async readFeed(userUuid: string, after: string, limit: number) {
      const res = await client.request(`/internal/feed${query({ after, limit })}`, {
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', feedPage, res.body);
    },

    async listMessages(userUuid: string, groupUuid: string, { limit, cursor }: PageQuery) {
      const res = await client.request(
        `/internal/conversations/${groupUuid}/messages${query({ limit, before: cursor })}`,
        { headers: await actingFor(userUuid) },
      );
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', messagePage, res.body);
    },

    async postMessage(input: {
      userUuid: string;
      groupUuid: string;
      message: string;
      idempotencyKey?: string | undefined;
    }) {
      const res = await client.request(`/internal/conversations/${input.groupUuid}/messages`, {
        method: 'POST',
        headers: await actingFor(input.userUuid),
        body: { message: input.message, idempotency_key: input.idempotencyKey },
        idempotent: input.idempotencyKey !== undefined,
      });
      if (res.status !== 200 && res.status !== 201) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', message, res.body);
    },

    /** Edits the caller's own message; safe to retry with a key (messaging answers a repeat with the same edit). */
    async editMessage(input: {
      userUuid: string;
      groupUuid: string;
      messageUuid: string;
      message: string;
      idempotencyKey?: string | undefined;
    }) {
      const res = await client.request(
        `/internal/conversations/${input.groupUuid}/messages/${input.messageUuid}`,
        {
          method: 'PATCH',
          headers: await actingFor(input.userUuid),
          body: { message: input.message, idempotency_key: input.idempotencyKey },
          idempotent: input.idempotencyKey !== undefined,
        },
      );
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', message, res.body);
    },

    /** Deletes the caller's own message for everyone; deleting again answers the same tombstone, so it is retried. */
    async deleteMessage(userUuid: string, groupUuid: string, messageUuid: string) {
      const res = await client.request(`/internal/conversations/${groupUuid}/messages/${messageUuid}`, {
        method: 'DELETE',
        headers: await actingFor(userUuid),
        idempotent: true,
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', message, res.body);
    },

    async startConversation(input: {
      userUuid: string;
      recipientUuid: string;
      /** The users service's answer for the recipient, so messaging can write to a user it has not heard of yet. */
      recipient?: { handle: string; display_name: string };
      message: string;
      idempotencyKey?: string | undefined;
    }) {
      const res = await client.request('/internal/conversations', {
        method: 'POST',
        headers: await actingFor(input.userUuid),
        body: {
          recipient_uuid: input.recipientUuid,
          recipient: input.recipient,
          message: input.message,
          idempotency_key: input.idempotencyKey,
        },
        idempotent: input.idempotencyKey !== undefined,
      });
      if (res.status !== 200 && res.status !== 201) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', startConversationResult, res.body);
    },

    async markRead(userUuid: string, groupUuid: string) {
      const res = await client.request(`/internal/conversations/${groupUuid}/read`, {
        method: 'POST',
        headers: await actingFor(userUuid),
        // Marking read twice has the same outcome as once.
        idempotent: true,
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', readResult, res.body);
    },

    /**
     * Starts a group with the caller and `members` (everyone else, as the users service resolved them, so
     * messaging can write to users it has not heard of yet). `created` is false on an idempotent retry.
     */
    async startGroup(input: {
      userUuid: string;
      members: UserShort[];
      title?: string | undefined;
      message: string;
      idempotencyKey?: string | undefined;
    }) {
      const res = await client.request('/internal/groups', {
        method: 'POST',
        headers: await actingFor(input.userUuid),
        body: {
          members: input.members,
          title: input.title,
          message: input.message,
          idempotency_key: input.idempotencyKey,
        },
        idempotent: input.idempotencyKey !== undefined,
      });
      if (res.status !== 200 && res.status !== 201) throw upstreamFailure('messaging', res);
      return { created: res.status === 201, ...parseUpstream('messaging', startGroupResult, res.body) };
    },

    /** A conversation of the caller's, group or direct, with every member; 404 when they are not in it. */
    async getConversation(userUuid: string, groupUuid: string) {
      const res = await client.request(`/internal/conversations/${groupUuid}`, {
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', group, res.body);
    },

    // The membership and title changes below are not retried: between a lost answer and the retry someone
    // may have left or renamed, and the retry would undo that.

    async addMembers(userUuid: string, groupUuid: string, members: UserShort[]) {
      const res = await client.request(`/internal/conversations/${groupUuid}/members`, {
        method: 'POST',
        headers: await actingFor(userUuid),
        body: { members },
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', groupChangeResult, res.body);
    },

    async leave(userUuid: string, groupUuid: string) {
      const res = await client.request(`/internal/conversations/${groupUuid}/leave`, {
        method: 'POST',
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', leaveResult, res.body);
    },

    /** Sets the title, or removes it with null. */
    async rename(userUuid: string, groupUuid: string, title: string | null) {
      const res = await client.request(`/internal/conversations/${groupUuid}`, {
        method: 'PATCH',
        headers: await actingFor(userUuid),
        body: { title },
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', groupChangeResult, res.body);
    },
  };
}
export type MessagingClient = ReturnType<typeof createMessagingClient>;
