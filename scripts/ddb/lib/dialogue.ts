/**
 * Seed conversations, written for this project. `0` is the first person of the pair, `1` the second.
 * The main one (andrewbrown and bayko) is long enough to page through several times. Then one group.
 */
export type Line = readonly [speaker: 0 | 1, text: string];

export const MAIN_DIALOGUE: readonly Line[] = [
  [0, 'Morning! Did the canoe rental place ever call you back?'],
  [1, 'They did. Two canoes, Saturday at eight, and they throw in the dry bags.'],
  [0, 'Eight is early for a Saturday.'],
  [1, 'The lake is glass before the wind picks up. Trust me on this one.'],
  [0, 'Fine. I will bring the thermos and you bring the patience.'],
  [1, 'Deal. How is the messaging rewrite going?'],
  [0, 'Slowly. I keep finding things the old version got away with.'],
  [1, 'Such as?'],
  [
    0,
    'Two people could start a conversation with each other at the same moment and end up with two threads.',
  ],
  [1, 'Ha, so that is why my inbox had you listed twice last spring.'],
  [0, 'Exactly that. Now there is a lock per pair of users, written in the same transaction.'],
  [1, 'A lock in a database with no locks?'],
  [0, 'A conditional put. Whoever writes the pair item first wins, the other one joins that conversation.'],
  [1, 'Clever. And the messages themselves?'],
  [0, 'Each one is keyed by its time plus its own id, so two in the same millisecond both survive.'],
  [1, 'I did not know a millisecond could be crowded.'],
  [0, 'Neither did I until a test sent thirty of them at once.'],
  [1, 'Speaking of crowded, the trailhead parking fills up by nine.'],
  [0, "Another argument for your eight o'clock start, I suppose."],
  [1, 'You are learning.'],
  [0, 'What are we doing for lunch out there?'],
  [1, 'I was thinking sandwiches and that lemon cake my neighbour keeps making.'],
  [0, 'The one with the poppy seeds?'],
  [1, 'That one. She made three this week and has run out of people to give them to.'],
  [0, 'Then we are doing her a favour.'],
  [1, 'A public service, really.'],
  [
    0,
    'Back to work for a second: do you remember why the old list of conversations stopped at the new year?',
  ],
  [1, 'Something about the year being part of the query?'],
  [0, 'Yes. It only asked for rows starting with the current year, so on January first everything vanished.'],
  [1, 'That explains the panicked support emails in January.'],
  [0, 'Now the list just asks for the newest first and hands back a cursor for the next page.'],
  [1, 'A cursor I can lose in my pocket like everything else.'],
  [0, "It is opaque on purpose. You cannot forge one to read someone else's inbox."],
  [1, 'Good, because I would absolutely try.'],
  [0, 'I know. That is why I wrote the test.'],
  [1, 'Should I pack the spare paddle?'],
  [0, 'Yes. Last time we spent twenty minutes fishing mine out of the reeds.'],
  [1, "That was a heron's fault, not mine."],
  [0, 'The heron was minding its own business.'],
  [1, 'The heron was plotting. I saw its eyes.'],
  [0, 'Noted. Spare paddle, heron surveillance.'],
  [1, 'What time do you finish today?'],
  [0, 'Around five, if the benchmark behaves.'],
  [1, 'What are you measuring?'],
  [0, 'How many messages per second the service can take compared with writing straight to the table.'],
  [1, 'And the answer?'],
  [0, 'It depends on how honest I am about the extra checks. Membership and idempotency are not free.'],
  [1, 'Idempotency is the retry thing?'],
  [
    0,
    'Right. If your phone sends the same message twice because the train went into a tunnel, you get one message.',
  ],
  [1, 'The tunnel after the river crossing eats every message I send.'],
  [0, 'Then you are the reason this feature exists.'],
  [1, 'I accept the credit.'],
  [0, 'Do you want to drive or shall I?'],
  [1, 'I will drive. Your car still smells like the dog.'],
  [0, 'He was very wet and very happy.'],
  [1, 'Both things can be true and I can still drive.'],
  [0, 'Fair. I will navigate.'],
  [1, 'You navigated us into a cornfield in August.'],
  [0, 'The map was wrong about that road.'],
  [1, 'The map was right. You held it upside down.'],
  [0, 'I maintain it was ambiguous.'],
  [1, 'Let us use the phone this time.'],
  [0, 'Agreed. Did you see that Londo wants to join the next trip?'],
  [1, 'He mentioned it. He also asked whether canoes come with cushions.'],
  [0, 'Did you tell him?'],
  [1, 'I told him to bring two.'],
  [0, 'He will bring four and a folding chair.'],
  [1, 'And a speech about the good old days.'],
  [0, 'Probably. Still, he makes excellent coffee.'],
  [1, 'That settles it. He is invited.'],
  [
    0,
    'I just pushed the change that shows names from the profile copy instead of freezing them into every row.',
  ],
  [1, 'Meaning what, for someone who only sends messages?'],
  [0, 'If you change your display name, your friends see the new one right away, even in old threads.'],
  [1, 'So I can finally stop being Andrew Bayko in your list?'],
  [0, 'You can be whatever you like. Please choose something I can pronounce.'],
  [1, 'I will think about it on the water.'],
  [0, 'Weather says light wind until noon, then gusts.'],
  [1, 'So we paddle out early and drift back.'],
  [0, 'That is the plan. Do we need a permit for the north shore?'],
  [1, 'Only for fires. We will not need one for sandwiches.'],
  [0, 'Even lemon-cake-grade sandwiches?'],
  [1, 'Even those.'],
  [0, 'I have a small confession.'],
  [1, 'Go on.'],
  [0, 'I never learned the proper J-stroke.'],
  [1, 'I have watched you paddle. This is not news.'],
  [0, 'Will you teach me?'],
  [1, 'Stern seat, Saturday, eight fifteen. First lesson is free.'],
  [0, 'And the second?'],
  [1, 'Costs you a slice of cake.'],
  [0, 'Steep, but fair.'],
  [1, 'How long will the rewrite take?'],
  [0, 'The service is nearly done. Then a colleague wires it into the rest of the system.'],
  [1, 'Will I notice anything?'],
  [0, 'If we do it right, only that things stop going missing.'],
  [1, 'That is the best kind of feature.'],
  [0, 'The invisible kind. Nobody thanks you, but nobody writes angry emails either.'],
  [1, 'I will send you a thank-you anyway. Twice, through the tunnel.'],
  [0, 'And it will arrive once.'],
  [1, 'Show-off.'],
  [0, 'Okay, benchmark finished. Better than I feared.'],
  [1, 'Good. Go home and find the thermos.'],
  [0, 'It is in the cupboard above the kettle, where it always is.'],
  [1, 'Then you have no excuse for being late.'],
  [0, 'I never have an excuse. I have reasons.'],
  [1, "Eight o'clock. The lake will not wait."],
  [0, 'See you at the dock.'],
  [1, 'Bring the spare paddle.'],
  [0, 'And the cushions for Londo.'],
  [1, 'Good night!'],
];

export interface SeedConversation {
  /** Handles of the two people, in speaker order. */
  between: readonly [string, string];
  lines: readonly Line[];
  /** How far back the first message is, and how far back the last one, in minutes before the anchor. */
  spanMinutes: readonly [from: number, to: number];
}

export const SEED_CONVERSATIONS: readonly SeedConversation[] = [
  { between: ['andrewbrown', 'bayko'], lines: MAIN_DIALOGUE, spanMinutes: [23 * 60, 5] },
  {
    between: ['londo', 'andrewbrown'],
    spanMinutes: [6 * 60, 90],
    lines: [
      [0, 'I hear there is a boat trip and I have not been formally invited.'],
      [1, "Consider this your formal invitation. Saturday, eight o'clock, the north dock."],
      [0, 'Eight. In the morning. On purpose.'],
      [1, 'Bayko insists. Something about the wind.'],
      [0, 'Very well. I will bring coffee for everyone and a cushion for myself.'],
      [1, 'Bring two cushions. Canoe seats are unforgiving.'],
      [0, 'I shall bring a chair.'],
      [1, 'Please do not bring a chair.'],
    ],
  },
  {
    between: ['altbrown', 'bayko'],
    spanMinutes: [4 * 60, 45],
    lines: [
      [0, 'Is this the right account to reach you about the garden rota?'],
      [1, 'It is. Which week did you want?'],
      [0, 'The second week of the month, if nobody has it.'],
      [1, 'It is yours. Watering is every other evening.'],
      [0, 'Perfect. I will put a reminder on my phone.'],
      [1, 'Thanks! The tomatoes appreciate you already.'],
    ],
  },
  {
    between: ['londo', 'altbrown'],
    spanMinutes: [3 * 60, 20],
    lines: [
      [0, 'Do you know whether the garden needs more volunteers?'],
      [1, 'Always. Bayko keeps the rota.'],
      [0, 'I am excellent at supervising.'],
      [1, 'We mostly need people who are excellent at carrying watering cans.'],
      [0, 'I shall consider the offer.'],
    ],
  },
];

/** A change a group member makes instead of a message: whom they add (speaker indexes), or the group's new title. */
type GroupChange = { readonly added: readonly number[] } | { readonly title: string };
/** A group's line: `speaker` indexes the group's `members`. */
export type GroupLine = readonly [speaker: number, line: string | GroupChange];

export interface SeedGroup {
  /** Handles of everyone who is ever in the group, in join order; the first one starts it. */
  members: readonly string[];
  /** How many of `members` start it; the others join when a line adds them. */
  founders: number;
  /** The title it starts with. */
  title: string;
  lines: readonly GroupLine[];
  spanMinutes: readonly [from: number, to: number];
}

/** One group among all four seed users: andrewbrown starts it, londo adds altbrown, bayko renames it. */
export const SEED_GROUPS: readonly SeedGroup[] = [
  {
    members: ['andrewbrown', 'bayko', 'londo', 'altbrown'],
    founders: 3,
    title: 'Saturday on the lake',
    spanMinutes: [5 * 60, 2 * 60],
    lines: [
      [0, 'One thread for Saturday, so nobody has to forward anything.'],
      [1, 'Good idea. Two canoes are booked, the north dock at eight.'],
      [2, 'I have been told there will be cushions.'],
      [1, 'There will be a cushion. Singular. Yours.'],
      [2, 'Then I am bringing my own as well.'],
      [0, "Coffee is on Londo, sandwiches on me, cake on Bayko's neighbour."],
      [2, 'The coffee will be excellent. It always is.'],
      [1, 'Three people and two canoes: somebody rides in the middle.'],
      [2, 'I volunteer to ride in the middle and supervise.'],
      [0, 'Should we ask altbrown? She asked about the lake last week.'],
      [1, 'Yes, then the canoes come out even.'],
      [2, { added: [3] }],
      [2, 'Welcome aboard. Literally, on Saturday.'],
      [3, 'Hello all! Is this the boat trip I keep hearing about?'],
      [0, 'It is. Eight at the north dock, back by early afternoon.'],
      [3, 'Eight is fine. I am up early for the garden anyway.'],
      [1, 'Someone who likes mornings. Finally.'],
      [3, 'Shall I bring anything?'],
      [0, 'A hat. The north shore has no shade at noon.'],
      [3, 'Hat, sunscreen and a spare water bottle.'],
      [2, 'And a cushion.'],
      [3, 'I was warned about you.'],
      [1, { title: 'North dock, Saturday 8:00' }],
      [1, 'Renamed it so nobody goes to the south dock again.'],
      [0, 'That happened once.'],
      [1, 'Once was enough. The ferry people still remember us.'],
      [2, 'Forecast says light wind until noon.'],
      [3, 'Then we paddle out early and drift back?'],
      [1, 'Exactly the plan. You two are in my canoe for the J-stroke lesson.'],
      [0, 'I was promised the first lesson is free.'],
      [1, 'It is. The second costs cake.'],
      [3, 'I can bake. Does that count?'],
      [1, 'That counts double.'],
      [2, 'See you all at the dock. I will be the one with the chair.'],
    ],
  },
];
