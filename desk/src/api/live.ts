import { createParser } from 'eventsource-parser';
import { session } from './client';

export interface LiveEvent {
  articleId: string;
  version: number;
  type: string;
  metadata: { username?: string };
}

/**
 * The live event feed (GET /events/stream). EventSource cannot send an Authorization header, so the feed is read
 * with fetch streaming and parsed by eventsource-parser; it reconnects with Last-Event-ID after a drop, so nothing
 * is missed or seen twice. Returns a function that stops it.
 */
export function followEvents(onEvent: (e: LiveEvent) => void, onState?: (connected: boolean) => void): () => void {
  const abort = new AbortController();
  let lastId: string | undefined;
  const run = async () => {
    while (!abort.signal.aborted && session.token) {
      try {
        const headers: Record<string, string> = { Authorization: `Bearer ${session.token}`, Accept: 'text/event-stream' };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const response = await fetch('/events/stream', { headers, signal: abort.signal });
        if (!response.ok || !response.body) {
          onState?.(false);
          if (response.status === 401 || response.status === 403) return; // not for this role, or signed out
        } else {
          onState?.(true);
          const parser = createParser({
            onEvent: (message) => {
              if (message.id) lastId = message.id;
              try {
                onEvent(JSON.parse(message.data) as LiveEvent);
              } catch {
                // a message that is not an event (a comment or keep-alive) is not for the desk
              }
            },
          });
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.feed(value);
          }
          onState?.(false);
        }
      } catch {
        if (abort.signal.aborted) return;
        onState?.(false);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => abort.abort();
}
