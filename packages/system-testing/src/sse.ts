export interface ReceivedEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

export interface EventStreamClient {
  status: number;
  events: ReceivedEvent[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * A minimal EventSource over fetch, for tests: opens the stream, parses events into `events` as they
 * arrive, and never reconnects, so what the test sees is exactly what this one connection got.
 */
export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStreamClient> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: ReceivedEvent[] = [];
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    if (!reader || response.status !== 200) return;
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const fields = block.split('\n').filter((line) => line && !line.startsWith(':'));
          if (fields.length > 0) {
            const get = (name: string) =>
              fields
                .filter((line) => line.startsWith(`${name}:`))
                .map((line) => line.slice(name.length + 1).replace(/^ /, ''));
            const data = get('data').join('\n');
            events.push({
              id: get('id')[0],
              event: get('event')[0] ?? 'message',
              data: data ? JSON.parse(data) : undefined,
            });
          }
          boundary = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return { status: response.status, events, ended, close: () => abort.abort() };
}
