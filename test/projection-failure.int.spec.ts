import { DataSource } from 'typeorm';
import { AuditTrailProjection } from '../src/read-models/audit-trail/audit-trail.projection';
import { ProjectionRunner } from '../src/read-models/projection-runner.service';
import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

/** A projection that throws on an event stops at that event, says so, and resumes from it once fixed: never skips. */
describe('a failing projection', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ NEWSROOM_PROJECTION_DAEMON: 'off' });
    const reporter = await t.user(['reporter']);
    for (let i = 0; i < 3; i++) await t.http().post('/articles').set(bearer(reporter.token)).send({ ...seed.draft, headline: `story ${i}` }).expect(201);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    return t?.close();
  });

  it('stops at the failing event, reports it, and resumes after the fix', async () => {
    const runner = t.app.get(ProjectionRunner);
    const audit = t.app.get(AuditTrailProjection);
    const db = t.app.get(DataSource);
    await runner.ensureCheckpoints();
    const positions: number[] = (await db.query(`SELECT position FROM events ORDER BY transaction_id, position`)).map((r: { position: string }) => Number(r.position));
    const poison = positions[Math.floor(positions.length / 2)];

    // Pretend the audit trail is empty (as in a rebuild) and that its code has a bug for one event.
    await db.query(`DELETE FROM audit_entry`);
    await db.query(`UPDATE projection_checkpoints SET transaction_id = '0', position = 0 WHERE name = 'audit'`);
    const realRow = audit.row.bind(audit);
    const row = jest.spyOn(audit, 'row').mockImplementation((change) => {
      if (change.event.position === poison) throw new Error(`cannot summarise event ${poison}`);
      return realRow(change);
    });

    await expect(runner.catchUp(audit)).rejects.toThrow(`cannot summarise event ${poison}`);
    const failed = (await t.http().get('/admin/projections').set(bearer(t.adminToken)).expect(200)).body.find((p: { name: string }) => p.name === 'audit');
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining(`cannot summarise event ${poison}`) });
    expect(failed.position).toBeLessThan(poison);
    expect(failed.lagEvents).toBeGreaterThan(0);
    const [{ count: stuck }] = await db.query(`SELECT count(*) AS count FROM audit_entry WHERE position >= $1`, [poison]);
    expect(Number(stuck)).toBe(0); // nothing at or past the poison event: it stopped, it did not skip

    row.mockRestore(); // the fix is deployed
    await runner.catchUp(audit);
    const healed = (await t.http().get('/admin/projections').set(bearer(t.adminToken)).expect(200)).body.find((p: { name: string }) => p.name === 'audit');
    expect(healed).toMatchObject({ status: 'running', error: null, lagEvents: 0 });
    const entries = await db.query(`SELECT position FROM audit_entry ORDER BY position`);
    expect(entries.map((r: { position: string }) => Number(r.position))).toEqual([...positions].sort((a, b) => a - b));
  });
});
