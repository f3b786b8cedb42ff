import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  eventType: string;
  body: Record<string, any>;
  at: number;
}

/**
 * A partner's webhook endpoint on loopback, as the README tells partners to write one: it verifies the Standard
 * Webhooks signature with the same library (a bad signature or an old timestamp is a 400) and keeps one copy per
 * webhook-id. `mode` makes it fail on purpose; `attempts` counts every request that reached it.
 */
export class WebhookReceiver {
  readonly stored: Received[] = [];
  readonly attempts: { id: string; at: number }[] = [];
  rejected = 0;
  /** 'lose-ack': verify and store the next delivery, then never answer it (as if the answer were lost), then 'ok'. */
  mode: 'ok' | 'error' | 'hang' | 'lose-ack' = 'ok';
  delayMs = 0;
  private server?: Server;
  private port = 0;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(private secret = '') {}

  setSecret(secret: string): void {
    this.secret = secret;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Listens (again on the same port after stop(), so the subscriber's URL stays valid). */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  ids(): string[] {
    return this.stored.map((r) => r.id);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const id = String(req.headers['webhook-id'] ?? '');
    this.attempts.push({ id, at: Date.now() });
    if (this.mode === 'hang') return; // never answers: the sender's time limit ends it
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.mode === 'error') {
      res.writeHead(500).end();
      return;
    }
    let body: Record<string, any>;
    try {
      body = new Webhook(this.secret).verify(raw, req.headers as Record<string, string>) as Record<string, any>;
    } catch {
      this.rejected++;
      res.writeHead(400).end();
      return;
    }
    // De-duplication by webhook-id: a repeated delivery is acknowledged and not stored again.
    if (!this.stored.some((r) => r.id === id)) this.stored.push({ id, eventType: String(req.headers['masthead-event']), body, at: Date.now() });
    if (this.mode === 'lose-ack') {
      this.mode = 'ok';
      return;
    }
    res.writeHead(204).end();
  }
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
