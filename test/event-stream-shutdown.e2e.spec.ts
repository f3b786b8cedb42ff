import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApp } from './support/test-app';

/**
 * Stopping the service (SIGTERM runs app.close()) must not wait for the live feed's clients to hang up: an open
 * GET /events/stream kept the HTTP server from closing for as long as the client stayed connected.
 */
describe('shutdown with an open /events/stream (e2e)', () => {
  it('closes promptly and ends the feed', async () => {
    const t = await startApp();
    const editor = await t.user(['editor']);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    let ended = false;
    const req = httpRequest({ host: '127.0.0.1', port, path: '/events/stream', headers: { Authorization: `Bearer ${editor.token}` } });
    const opened = new Promise<void>((resolve) =>
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => (ended = true));
        res.on('close', () => (ended = true));
        resolve();
      }),
    );
    req.on('error', () => undefined);
    req.end();
    await opened;

    const closing = t.app.close();
    const outcome = await Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open after 10 s'), 10_000))]);
    for (let i = 0; i < 40 && !ended; i++) await new Promise((r) => setTimeout(r, 50));
    const endedByServer = ended;
    req.destroy(); // lets a hung close finish, so the database can be dropped either way
    await closing;
    await t.database.drop();
    expect(outcome).toBe('closed');
    expect(endedByServer).toBe(true);
  }, 60_000);
});
