import { PublicationScheduler } from '../src/scheduler/publication-scheduler.service';
import seed from './fixtures/seed-article.json';
import { articleIn } from './support/publish';
import { bearer, startApp, TestApp } from './support/test-app';

/** Scheduled publication: exactly once, late after downtime (and says so), cancellable. */
describe('scheduled publication (e2e)', () => {
  let t: TestApp;
  let users: Record<'reporter' | 'editor' | 'publisher', { token: string }>;

  const approvedArticle = async () => (await articleIn(t, users, 'approved')).id;
  const schedule = (id: string, publishAt: string) =>
    t.http().post(`/articles/${id}/publication`).set(bearer(users.publisher.token)).set('If-Match', '"3"').send({ copyrightNotice: seed.copyrightNotice, publishAt });
  const published = async (id: string) =>
    (await t.http().get(`/articles/${id}/history`).set(bearer(users.editor.token)).expect(200)).body.filter((e: { type: string }) => e.type === 'ArticlePublished');

  beforeAll(async () => {
    t = await startApp({ NEWSROOM_SCHEDULER: 'off' });
    t.clock.set('2026-03-01T08:00:00.000Z');
    users = { reporter: await t.user(['reporter']), editor: await t.user(['editor']), publisher: await t.user(['publisher']) };
  });
  afterAll(() => t?.close());

  it('schedules, then publishes exactly once when the time comes, even when two passes race', async () => {
    const id = await approvedArticle();
    const res = await schedule(id, '2026-03-01T09:00:00Z').expect(200);
    expect(res.body).toMatchObject({ status: 'scheduled', version: 4 });
    await t.http().get(`/published/${id}`).expect(404);

    const scheduler = t.app.get(PublicationScheduler);
    expect(await scheduler.tick()).toBe(0); // not yet due
    t.clock.set('2026-03-01T09:00:00.000Z');
    const [a, b] = await Promise.all([scheduler.tick(), scheduler.tick()]);
    expect(a + b).toBe(1);
    expect(await scheduler.tick()).toBe(0);

    const events = await published(id);
    expect(events).toHaveLength(1);
    expect(events[0].actor.username).toBe('scheduler');
    expect(events[0].summary).toContain('as scheduled');
    const pub = await t.http().get(`/published/${id}`).expect(200);
    expect(pub.body.publishedAt).toBe('2026-03-01T09:00:00.000Z');
  });

  it('cancels a schedule back to approved', async () => {
    const id = await approvedArticle();
    await schedule(id, '2026-03-02T09:00:00Z').expect(200);
    const res = await t.http().delete(`/articles/${id}/publication`).set(bearer(users.publisher.token)).set('If-Match', '"4"').expect(200);
    expect(res.body).toEqual({ id, version: 5, status: 'approved' });
    t.clock.set('2026-03-03T00:00:00.000Z');
    expect(await t.app.get(PublicationScheduler).tick()).toBe(0);
    await t.http().get(`/published/${id}`).expect(404);
  });

  it('publishes on start-up what fell due while the service was down, and says it was late', async () => {
    t.clock.set('2026-03-04T08:00:00.000Z');
    const id = await approvedArticle();
    await schedule(id, '2026-03-04T09:00:00Z').expect(200);
    await t.stop();
    // The restarted service runs on the real clock (November 2026): the schedule is long past.
    t = await startApp({}, t.database);
    let events: { summary: string }[] = [];
    for (let i = 0; i < 100 && events.length === 0; i++) {
      events = await published(id).catch(() => []);
      if (!events.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(events).toHaveLength(1);
    expect(events[0].summary).toContain('late');
    expect((await t.http().get(`/articles/${id}`).set(bearer(users.reporter.token)).expect(200)).body.status).toBe('published');
  });
});
