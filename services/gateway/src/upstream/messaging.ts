import type { ServiceClient } from '@cruddur/http';
import { bearer, type ServiceSigner } from '@cruddur/service-auth';
import { parseUpstream, upstreamFailure } from './errors.ts';
import {
  blockList,
  blockState,
  conversationPage,
  exportPage,
  feedPage,
  group,
  groupChangeResult,
  leaveResult,
  message,
  messagePage,
  messageSettings,
  reactionSummary,
  readResult,
  receiptList,
  settings,
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

    /** Adds or removes the caller's reaction; a repeat changes nothing, so both are retried. */
    async changeReaction(input: {
      userUuid: string;
      groupUuid: string;
      messageUuid: string;
      emoji: string;
      action: 'add' | 'remove';
    }) {
      const res = await client.request(
        `/internal/conversations/${input.groupUuid}/messages/${input.messageUuid}/reactions/${encodeURIComponent(input.emoji)}`,
        {
          method: input.action === 'add' ? 'PUT' : 'DELETE',
          headers: await actingFor(input.userUuid),
          idempotent: true,
        },
      );
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', reactionSummary, res.body);
    },

    async listReceipts(userUuid: string, groupUuid: string) {
      const res = await client.request(`/internal/conversations/${groupUuid}/receipts`, {
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', receiptList, res.body);
    },

    async getSettings(userUuid: string) {
      const res = await client.request('/internal/me/settings', { headers: await actingFor(userUuid) });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', settings, res.body);
    },

    /** Changes only the settings named; the same change twice is the same as once, so it is retried. */
    async changeSettings(userUuid: string, value: { read_receipts?: boolean | undefined }) {
      const res = await client.request('/internal/me/settings', {
        method: 'PUT',
        headers: await actingFor(userUuid),
        body: value,
        idempotent: true,
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', settings, res.body);
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

    async listRequests(userUuid: string, { limit, cursor }: PageQuery) {
      const res = await client.request(`/internal/message_requests${query({ limit, cursor })}`, {
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', conversationPage, res.body);
    },

    /** Accepts or declines; not retried (a lost answer is followed by a 404 on a retry, which would mislead). */
    async decideRequest(userUuid: string, groupUuid: string, action: 'accept' | 'decline') {
      const res = await client.request(`/internal/message_requests/${groupUuid}/${action}`, {
        method: 'POST',
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
    },

    async getMessageSettings(userUuid: string) {
      const res = await client.request('/internal/me/message_settings', {
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', messageSettings, res.body);
    },

    /** Setting a value is idempotent, so safe to retry. */
    async putMessageSettings(userUuid: string, settings: { who_can_message: 'everyone' | 'conversations' }) {
      const res = await client.request('/internal/me/message_settings', {
        method: 'PUT',
        headers: await actingFor(userUuid),
        body: settings,
        idempotent: true,
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', messageSettings, res.body);
    },

    /** One page of the caller's export (a read: retried like any GET). */
    async exportPage(userUuid: string, cursor: string | undefined) {
      const res = await client.request(`/internal/me/export${query({ cursor })}`, {
        headers: await actingFor(userUuid),
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', exportPage, res.body);
    },

    async listBlocks(userUuid: string) {
      const res = await client.request('/internal/blocks', { headers: await actingFor(userUuid) });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', blockList, res.body);
    },

    /** Blocks (`on`) or unblocks; both are idempotent, so a lost answer is safe to retry. */
    async setBlock(userUuid: string, target: UserShort, on: boolean) {
      const res = await client.request(`/internal/blocks/${target.uuid}`, {
        method: on ? 'PUT' : 'DELETE',
        headers: await actingFor(userUuid),
        ...(on ? { body: { handle: target.handle, display_name: target.display_name } } : {}),
        idempotent: true,
      });
      if (res.status !== 200) throw upstreamFailure('messaging', res);
      return parseUpstream('messaging', blockState, res.body);
    },
  };
}
export type MessagingClient = ReturnType<typeof createMessagingClient>;
