import fc from 'fast-check';

/** One request of the hostile run: anything a client could put on the wire, within what fetch can send. */
export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HostileContext {
  /** Tokens that verify: the requests they carry may reach the services. */
  validTokens: readonly string[];
  /** Tokens that must be refused: other clients, pools, keys, expired, unsigned. */
  forgedTokens: readonly string[];
  /** Conversations that exist (none of them the valid tokens' users'). */
  groups: readonly string[];
  /** Groups of the valid tokens' users: their writes may change these (add members, rename, leave). */
  ownGroups: readonly string[];
  /** Handles a write may name: no seeded user's, so a valid token cannot change seeded data. */
  writableHandles: readonly string[];
  /** Handles only read: seeded users, looked up by their short profile. */
  readableHandles: readonly string[];
}

// Header values fetch accepts: printable ASCII, as a proxy would pass them on.
const headerValue = (maxLength = 200) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${maxLength}}$`));
const base64url = (maxLength: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{0,${maxLength}}$`));
const jwtShaped = fc
  .tuple(base64url(200), base64url(400), base64url(100))
  .map(([h, p, s]) => `${h}.${p}.${s}`);
const encodedJson = fc.json({ maxDepth: 3 }).map((json) => Buffer.from(json).toString('base64url'));

function tokens(ctx: HostileContext) {
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ctx.validTokens) },
    { weight: 1, arbitrary: fc.constantFrom(...ctx.forgedTokens) },
    { weight: 1, arbitrary: jwtShaped },
    { weight: 1, arbitrary: headerValue(100) },
  );
  // '' stands for no Authorization header at all.
  return fc.oneof(
    { weight: 6, arbitrary: token.map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: token.map((t) => `bearer  ${t} `) },
    { weight: 1, arbitrary: headerValue(300) },
    { weight: 1, arbitrary: fc.constant('Basic YWxpY2U6c2VjcmV0') },
    { weight: 2, arbitrary: fc.constant('') },
  );
}

function pathPart(ctx: HostileContext) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...ctx.groups) },
    { weight: 2, arbitrary: fc.constantFrom(...ctx.ownGroups) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map(encodeURIComponent) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('..', '%2e%2e', '%00', '%ff', '%', 'null', '-1', 'x'.repeat(2000)),
    },
  );
}

function query() {
  const value = fc.oneof(
    fc.integer({ min: -5, max: 200 }).map(String),
    fc.constantFrom('', 'abc', '1.5', '1e9', '0x10', '20&limit=30'),
    encodedJson,
    base64url(3000),
    fc.string({ maxLength: 40 }),
  );
  return fc
    .record({ limit: value, cursor: value, before: value, access_token: value }, { requiredKeys: [] })
    .map((params) => {
      const search = new URLSearchParams(params as Record<string, string>).toString();
      return search ? `?${search}` : '';
    });
}

const anyMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');

/** A route with its own method most of the time (so requests get past routing), any method otherwise. */
function route(methodOfRoute: string, path: fc.Arbitrary<string>) {
  return fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constant(methodOfRoute) }, anyMethod), path);
}

function target(ctx: HostileContext): fc.Arbitrary<[string, string]> {
  const part = pathPart(ctx);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: route(
        'GET',
        query().map((q) => `/api/message_groups${q}`),
      ),
    },
    {
      weight: 3,
      arbitrary: route(
        'GET',
        fc.tuple(part, query()).map(([g, q]) => `/api/messages/${g}${q}`),
      ),
    },
    { weight: 4, arbitrary: route('POST', fc.constant('/api/messages')) },
    {
      weight: 2,
      arbitrary: route(
        'POST',
        part.map((g) => `/api/message_groups/${g}/read`),
      ),
    },
    { weight: 3, arbitrary: route('POST', fc.constant('/api/message_groups')) },
    {
      weight: 2,
      arbitrary: route(
        'GET',
        part.map((g) => `/api/message_groups/${g}`),
      ),
    },
    {
      weight: 2,
      arbitrary: route(
        'POST',
        part.map((g) => `/api/message_groups/${g}/members`),
      ),
    },
    {
      weight: 1,
      arbitrary: route(
        'POST',
        part.map((g) => `/api/message_groups/${g}/leave`),
      ),
    },
    {
      weight: 2,
      arbitrary: route(
        'PATCH',
        part.map((g) => `/api/message_groups/${g}`),
      ),
    },
    {
      weight: 2,
      arbitrary: route(
        'GET',
        fc
          .oneof(
            fc.constantFrom(...ctx.readableHandles, ...ctx.writableHandles),
            fc.string({ maxLength: 40 }),
          )
          .map((h) => `/api/users/@${encodeURIComponent(h)}/short`),
      ),
    },
    {
      weight: 1,
      arbitrary: route(
        'GET',
        fc.constantFrom('/api/events', '/openapi.json', '/healthz', '/readyz', '/docs'),
      ),
    },
    {
      weight: 1,
      arbitrary: route(
        'GET',
        fc.webPath().map((p) => p || '/'),
      ),
    },
    {
      weight: 1,
      arbitrary: route(
        'POST',
        fc.string({ maxLength: 80 }).map((s) => `/api/${encodeURIComponent(s)}`),
      ),
    },
  );
}

/** A few of the writable handles, each spelt any way a client might: upper case, with `@`, padded, repeated. */
function handleSpellings(ctx: HostileContext) {
  return fc
    .array(fc.constantFrom(...ctx.writableHandles), { minLength: 1, maxLength: 4 })
    .chain((hs) => fc.array(fc.constantFrom(...hs.flatMap((h) => [h, h.toUpperCase(), `@${h}`, ` ${h} `]))));
}

/** A group body that is mostly well formed, so starts, adds and renames get past validation and succeed. */
function plausibleGroup(ctx: HostileContext) {
  return fc.record(
    {
      handles: handleSpellings(ctx),
      title: fc.constantFrom('Plans', '  Trip  ', '🎉'.repeat(100), null, ''),
      message: fc.constantFrom('hi all', 'x'),
    },
    { requiredKeys: ['handles', 'message'] },
  );
}

/**
 * Well-formed group requests of the valid tokens' users (start, view, add, rename, leave), so the run also
 * drives group writes that succeed, at the same time as the hostile ones.
 */
function groupTraffic(ctx: HostileContext): fc.Arbitrary<HostileRequest> {
  const group = fc.constantFrom(...ctx.ownGroups);
  // Leaving is rare: once every holder of a valid token has left, their group answers them 404 only.
  const request = fc.oneof(
    { weight: 3, arbitrary: fc.constant(['POST', '/api/message_groups'] as const) },
    { weight: 2, arbitrary: group.map((g) => ['GET', `/api/message_groups/${g}`] as const) },
    { weight: 3, arbitrary: group.map((g) => ['POST', `/api/message_groups/${g}/members`] as const) },
    { weight: 3, arbitrary: group.map((g) => ['PATCH', `/api/message_groups/${g}`] as const) },
    { weight: 1, arbitrary: group.map((g) => ['POST', `/api/message_groups/${g}/leave`] as const) },
  );
  return fc
    .tuple(request, fc.constantFrom(...ctx.validTokens), plausibleGroup(ctx))
    .map(([[method, path], token, body]) => ({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: JSON.stringify(body) }),
    }));
}

function jsonBody(ctx: HostileContext) {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: 'grapheme', maxLength: 1100 }),
    fc.constantFrom('', '   ', 'hi', '\u0000', '\u202e', 'a\r\nb', '😀'.repeat(1025)),
    fc.integer(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
  );
  const handle = fc.oneof(fc.constantFrom(...ctx.writableHandles), fc.string({ maxLength: 40 }));
  // Member lists as a group start or add takes them: spellings of one person, too few, too many, not a list.
  const spellings = handleSpellings(ctx);
  const handles = fc.oneof(
    { weight: 4, arbitrary: fc.array(handle, { maxLength: 6 }) },
    { weight: 2, arbitrary: spellings },
    {
      weight: 1,
      arbitrary: fc.array(fc.constantFrom(...ctx.writableHandles), { minLength: 51, maxLength: 120 }),
    },
    { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 8 }), { minLength: 40, maxLength: 100 }) },
    { weight: 1, arbitrary: text },
  );
  const title = fc.oneof(
    text,
    fc.string({ maxLength: 120 }),
    fc.constantFrom('🎉'.repeat(100), '🎉'.repeat(101)),
  );
  const target = fc.record(
    {
      message: text,
      message_group_uuid: fc.oneof(fc.constantFrom(...ctx.groups), fc.uuid(), fc.string({ maxLength: 40 })),
      handle,
      handles,
      title,
      user_uuid: fc.uuid(),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 4, arbitrary: target.map((b) => JSON.stringify(b)) },
    { weight: 3, arbitrary: plausibleGroup(ctx).map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constant(`{"message":"${'x'.repeat(20_000)}"}`) },
    { weight: 1, arbitrary: fc.constant(`${'['.repeat(5_000)}${']'.repeat(5_000)}`) },
  );
}

function rawBytes() {
  // Invalid UTF-8 inside otherwise plausible JSON: BOM of UTF-16, overlong, surrogate, truncated, stray bytes.
  return fc
    .tuple(
      fc.constantFrom(
        [0xff, 0xfe],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xe2, 0x82],
        [0x80],
        [0xf8, 0x88, 0x80],
      ),
      fc.string({ maxLength: 20 }),
    )
    .map(([bad, text]) => {
      const enc = new TextEncoder();
      return new Uint8Array([...enc.encode(`{"message":"${text}`), ...bad, ...enc.encode('","handle":"x"}')]);
    });
}

/**
 * The hostile request space: random paths, methods, headers, bodies, cursors and tokens, with one request in
 * twenty a well-formed group request of a valid token, so group writes that succeed race the hostile ones.
 */
export function hostileRequests(ctx: HostileContext): fc.Arbitrary<HostileRequest> {
  const headers = fc.record(
    {
      authorization: tokens(ctx),
      'content-type': fc.oneof(
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/vnd.x+json'),
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', ''),
        headerValue(60),
      ),
      'idempotency-key': headerValue(200),
      'x-request-id': headerValue(200),
      origin: fc.oneof(
        fc.constantFrom('http://localhost:3000', 'http://evil.example', 'null'),
        headerValue(60),
      ),
      'x-forwarded-for': headerValue(60),
      accept: fc.constantFrom('*/*', 'text/event-stream', 'application/json', 'text/html'),
    },
    { requiredKeys: ['authorization'] },
  );
  const body = fc.oneof({ weight: 5, arbitrary: jsonBody(ctx) }, { weight: 1, arbitrary: rawBytes() });
  const hostile = fc.tuple(target(ctx), headers, fc.option(body, { freq: 3 })).map(([[m, p], h, b]) => ({
    method: m,
    path: p,
    headers: Object.fromEntries(Object.entries(h).filter(([k, v]) => k !== 'authorization' || v !== '')),
    // fetch cannot send a body with GET or HEAD.
    ...(b !== null && m !== 'GET' && m !== 'HEAD' ? { body: b } : {}),
  }));
  return fc.oneof({ weight: 19, arbitrary: hostile }, { weight: 1, arbitrary: groupTraffic(ctx) });
}
