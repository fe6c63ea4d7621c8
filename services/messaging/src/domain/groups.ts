import { AppError } from '@cruddur/contracts';
import {
  type ConversationItem,
  groupConversationItem,
  groupInboxItem,
  messageSortKey,
  type NewMessage,
  type SystemEvent,
} from '@cruddur/ddb';
import { requestHash } from '../data/requests.ts';
import type { MessageStore, ProfileRow } from '../data/store.ts';
import { type Drafts, WriteRounds } from './drafts.ts';
import type { Membership } from './membership.ts';
import { systemText } from './system-text.ts';
import { type GroupView, type MessageView, toGroup, toNewMessageView } from './views.ts';

/** A member as the gateway resolved them with the users service (the replica may not have them yet). */
export interface GroupMember {
  uuid: string;
  handle: string;
  display_name: string;
}

export interface GroupsOptions {
  store: MessageStore;
  drafts: Drafts;
  membership: Membership;
  /** Members besides the creator (`GROUP_MAX_MEMBERS`). */
  maxMembers: number;
}

/**
 * Group conversations: starting one, and the changes that are recorded in it as system messages (add, leave,
 * rename). Each change is one transaction from the state it read (docs/contracts.md, "Group conversations").
 */
export class Groups {
  constructor(private readonly options: GroupsOptions) {}

  async start(input: {
    userUuid: string;
    members: readonly GroupMember[];
    title: string | undefined;
    text: string;
    idempotencyKey?: string | undefined;
  }): Promise<{ group: GroupView; message: MessageView; replayed: boolean }> {
    const { store, drafts, maxMembers } = this.options;
    const others = distinct(input.members).filter((m) => m.uuid !== input.userUuid);
    if (others.length < 2) throw new AppError('group_too_small');
    if (others.length > maxMembers) throw new AppError('group_too_large');
    const hash = requestHash([
      'start-group',
      ...others.map((m) => m.uuid).sort(),
      input.title ?? '',
      input.text,
    ]);
    const profiles = await this.knownProfiles(input.userUuid, others);
    const members = [input.userUuid, ...others.map((m) => m.uuid)];
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      if (input.idempotencyKey) {
        const replay = await drafts.replay(input.userUuid, input.idempotencyKey, hash);
        if (replay) {
          const group = await this.view(replay.message.message_group_uuid, input.userUuid);
          return { group, message: replay.message, replayed: true };
        }
      }
      const message = drafts.message({
        groupUuid: drafts.newUuid(),
        senderUuid: input.userUuid,
        text: input.text,
        members,
        group: { title: input.title },
      });
      const outcome = await store.startGroup({
        message,
        title: input.title,
        idempotency: drafts.idempotency(input.userUuid, input.idempotencyKey, hash, true),
      });
      if (outcome.ok) {
        const conversation = groupConversationItem({
          groupUuid: message.groupUuid,
          members,
          createdBy: input.userUuid,
          title: input.title,
          createdAt: message.createdAt,
          firstMessageKey: messageSortKey(message.createdAt, message.messageUuid),
        });
        return {
          group: toGroup(conversation, profiles),
          message: toNewMessageView(message, profiles),
          replayed: false,
        };
      }
      // One of them blocks the creator: refused as a user who does not accept messages would be.
      if (outcome.reason === 'blocked') throw new AppError('recipient_unavailable');
      drafts.logRetry('start group', outcome);
    }
    throw new AppError('conflict');
  }

  /** The conversation as its members see it (direct ones too). */
  async view(groupUuid: string, userUuid: string): Promise<GroupView> {
    const conversation = await this.options.membership.ofMember(groupUuid, userUuid);
    return toGroup(conversation, await this.options.store.getProfiles(conversation.members));
  }

  /** Adds members (any member may); those already in are ignored, and nothing happens if that is everyone. */
  async add(input: {
    userUuid: string;
    groupUuid: string;
    members: readonly GroupMember[];
  }): Promise<{ group: GroupView; message: MessageView | null }> {
    const given = distinct(input.members);
    let profiles: Map<string, ProfileRow> | undefined;
    return this.change(input.groupUuid, input.userUuid, async (seen) => {
      const added = given.filter((m) => !seen.members.includes(m.uuid)).map((m) => m.uuid);
      if (added.length === 0) return undefined;
      if (seen.members.length + added.length > this.options.maxMembers + 1)
        throw new AppError('group_too_large');
      profiles ??= await this.knownProfiles(input.userUuid, given);
      const event: SystemEvent = { action: 'added', user_uuids: added };
      const message = this.systemMessage(seen, input.userUuid, [...seen.members, ...added], event, profiles);
      const key = messageSortKey(message.createdAt, message.messageUuid);
      return {
        message,
        title: seen.title,
        joined: { ...seen.joined, ...Object.fromEntries(added.map((u) => [u, key])) },
        newRows: added.map((owner) => groupInboxItem(owner, message, 1, key)),
        added,
        profiles,
      };
    });
  }

  /** The caller leaves: their row goes in the same transaction, and nothing sent after reaches them. */
  async leave(userUuid: string, groupUuid: string): Promise<{ message_group_uuid: string; left: true }> {
    await this.change(groupUuid, userUuid, async (seen) => {
      const profiles = await this.options.store.getProfiles([userUuid]);
      const remaining = seen.members.filter((m) => m !== userUuid);
      const event: SystemEvent = { action: 'left', user_uuids: [userUuid] };
      const { [userUuid]: _gone, ...joined } = seen.joined ?? {};
      return {
        message: this.systemMessage(seen, userUuid, remaining, event, profiles),
        title: seen.title,
        joined,
        newRows: [],
        removedOwner: userUuid,
        profiles,
      };
    });
    return { message_group_uuid: groupUuid, left: true };
  }

  /** Sets or (with null) removes the title; the same title again changes nothing. */
  async rename(input: {
    userUuid: string;
    groupUuid: string;
    title: string | null;
  }): Promise<{ group: GroupView; message: MessageView | null }> {
    return this.change(input.groupUuid, input.userUuid, async (seen) => {
      if ((seen.title ?? null) === input.title) return undefined;
      const profiles = await this.options.store.getProfiles([input.userUuid]);
      const event: SystemEvent = { action: 'renamed', user_uuids: [], title: input.title };
      const renamed = { ...seen, title: input.title ?? undefined };
      return {
        message: this.systemMessage(renamed, input.userUuid, seen.members, event, profiles),
        title: input.title ?? undefined,
        joined: seen.joined ?? {},
        newRows: [],
        profiles,
      };
    });
  }

  /**
   * Runs one change from the group's current state, again from the new state whenever another change got there
   * first. `plan` returns undefined when there is nothing to change.
   */
  private async change(
    groupUuid: string,
    userUuid: string,
    plan: (seen: ConversationItem) => Promise<
      | {
          message: NewMessage;
          title: string | undefined;
          joined: Record<string, string>;
          newRows: ReturnType<typeof groupInboxItem>[];
          removedOwner?: string;
          added?: string[];
          profiles: Map<string, ProfileRow>;
        }
      | undefined
    >,
  ): Promise<{ group: GroupView; message: MessageView | null }> {
    const { store, drafts, membership } = this.options;
    let seen: ConversationItem | undefined;
    for (const rounds = new WriteRounds(); await rounds.next(); ) {
      seen ??= await membership.ofMember(groupUuid, userUuid);
      if (seen.kind !== 'group') throw new AppError('not_a_group');
      const planned = await plan(seen);
      if (!planned) return { group: await this.view(groupUuid, userUuid), message: null };
      const outcome = await store.changeGroup({ seen, ...planned });
      if (outcome.ok) {
        const key = messageSortKey(planned.message.createdAt, planned.message.messageUuid);
        const after: ConversationItem = {
          ...seen,
          members: [...planned.message.members],
          joined: planned.joined,
          state_key: key,
        };
        if (planned.title === undefined) delete after.title;
        else after.title = planned.title;
        const profiles = await store.getProfiles(after.members);
        for (const [uuid, row] of planned.profiles) if (!profiles.has(uuid)) profiles.set(uuid, row);
        return {
          group: toGroup(after, profiles),
          message: toNewMessageView(planned.message, planned.profiles),
        };
      }
      // Someone being added blocks the one adding them.
      if (outcome.reason === 'blocked') throw new AppError('recipient_unavailable');
      drafts.logRetry('change group', outcome);
      // Another change won: plan again on the state it left, which the failed check returned (or read it again).
      seen = outcome.current;
      if (seen) {
        if (!seen.members.includes(userUuid)) throw new AppError('message_group_not_found');
        rounds.retryAtOnce();
      }
    }
    throw new AppError('conflict');
  }

  private systemMessage(
    seen: ConversationItem,
    actor: string,
    members: readonly string[],
    event: SystemEvent,
    profiles: Map<string, ProfileRow>,
  ): NewMessage {
    const handles = new Map([...profiles].map(([uuid, p]) => [uuid, p.handle]));
    return this.options.drafts.message(
      {
        groupUuid: seen.message_group_uuid,
        senderUuid: actor,
        text: systemText(event, handles),
        members,
        group: { title: seen.title, system: event },
      },
      seen.state_key,
    );
  }

  /**
   * The profiles of the caller and the given members, writing version-0 placeholders for members the replica has
   * not heard of yet (their own events replace them), so the group shows their names from the start.
   */
  private async knownProfiles(
    userUuid: string,
    given: readonly GroupMember[],
  ): Promise<Map<string, ProfileRow>> {
    const { store } = this.options;
    const profiles = await store.getProfiles([userUuid, ...given.map((m) => m.uuid)]);
    const missing = given.filter((m) => !profiles.has(m.uuid));
    // All at once: a group of 50 people who all signed up a moment ago is 50 conditional puts.
    await Promise.all(
      missing.map((m) =>
        store.putProfile({
          uuid: m.uuid,
          handle: m.handle,
          display_name: m.display_name,
          bio: null,
          version: 0,
        }),
      ),
    );
    for (const m of missing)
      profiles.set(m.uuid, { uuid: m.uuid, handle: m.handle, display_name: m.display_name });
    return profiles;
  }
}

function distinct(members: readonly GroupMember[]): GroupMember[] {
  const seen = new Map<string, GroupMember>();
  for (const m of members)
    if (!seen.has(m.uuid.toLowerCase())) seen.set(m.uuid.toLowerCase(), { ...m, uuid: m.uuid.toLowerCase() });
  return [...seen.values()];
}
