import type { ClientEvent, EventSink } from './hub.ts';

/**
 * The events waiting to be written to one stream. The hub pushes without waiting; the stream's single
 * writer pulls in order. A client that stops reading is cut off once `limit` events pile up, rather
 * than letting its backlog grow without bound; its EventSource reconnects and the page refetches.
 */
export class StreamOutbox implements EventSink {
  private readonly items: ClientEvent[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  constructor(private readonly limit = 1_000) {}

  send(event: ClientEvent): void {
    if (this.ended) return;
    if (this.items.length >= this.limit) {
      this.close();
      return;
    }
    this.items.push(event);
    this.wake();
  }

  close(): void {
    this.ended = true;
    this.wake();
  }

  /** The next event, or undefined once the stream is to end. */
  async next(): Promise<ClientEvent | undefined> {
    while (this.items.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    return this.ended ? undefined : this.items.shift();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
