import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app';
import { validateEnvironment } from '../src/config/config';
import { freshDatabase, startApp, TestApp } from './support/test-app';

const EMBEDDED = !process.env.DATABASE_URL;
const modeOf = (path: string) => lstatSync(path).mode & 0o777;

/** Every path under `dir` whose mode lets anyone but the owner in. */
function looseUnder(dir: string): string[] {
  const found: string[] = [];
  const stack = [dir];
  while (stack.length) {
    const path = stack.pop()!;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.mode & 0o077) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) stack.push(join(path, name));
  }
  return found;
}

/**
 * The data directory (the embedded database, the signing secret, the first admin's password, the lock file) is
 * readable by the service's user only (issue #16, item 11).
 */
describe('data directory modes (e2e)', () => {
  let t: TestApp | undefined;
  let stopped = false;
  const stop = async () => {
    stopped = true;
    await t!.stop();
  };
  let parent: string;
  const umask = process.umask();

  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'masthead-modes-'));
    // A permissive umask, as many servers have: the service must not depend on the operator's.
    process.umask(0o022);
  });
  afterEach(async () => {
    if (t && !stopped) await t.stop();
    await t?.database.drop();
    stopped = false;
    t = undefined;
    rmSync(parent, { recursive: true, force: true });
    process.umask(umask);
  });

  /** A fresh database whose data directory is `dataDir` (a PostgreSQL database of its own when DATABASE_URL is set). */
  async function databaseIn(dataDir: string) {
    const db = await freshDatabase();
    rmSync(db.env.NEWSROOM_DATA_DIR, { recursive: true, force: true });
    db.env.NEWSROOM_DATA_DIR = dataDir;
    return db;
  }

  it('creates the directory 0700 and every file in it 0600, PGlite files included', async () => {
    const dataDir = join(parent, 'new', 'data');
    t = await startApp({ NEWSROOM_JWT_SECRET: '' }, await databaseIn(dataDir));
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'jwt-secret'))).toBe(0o600);
    if (EMBEDDED) {
      expect(modeOf(join(dataDir, 'masthead.lock'))).toBe(0o600);
      expect(modeOf(join(dataDir, 'pglite'))).toBe(0o700);
    }
    // While it runs, files PGlite creates come out 0666 inside 0700 directories; at rest, every one is 0600.
    await stop();
    if (EMBEDDED) expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(looseUnder(dataDir)).toEqual([]);
  });

  it('writes a generated admin password 0600', async () => {
    const dataDir = join(parent, 'data');
    const db = await databaseIn(dataDir);
    const app = await buildApp(validateEnvironment({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...db.env }));
    try {
      await app.init();
      expect(readFileSync(join(dataDir, 'admin-password'), 'utf8').trim().length).toBeGreaterThan(16);
      expect(modeOf(join(dataDir, 'admin-password'))).toBe(0o600);
    } finally {
      await app.close();
    }
    expect(looseUnder(dataDir)).toEqual([]);
    await db.drop();
  });

  it('tightens a data directory created with looser modes before this rule', async () => {
    const dataDir = join(parent, 'old');
    const db = await databaseIn(dataDir);
    mkdirSync(join(dataDir, 'pglite'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'jwt-secret'), `${'s'.repeat(64)}\n`, { mode: 0o644 });
    writeFileSync(join(dataDir, 'pglite', 'left-over'), 'x', { mode: 0o644 });
    expect(looseUnder(dataDir).length).toBe(4);
    t = await startApp({ NEWSROOM_JWT_SECRET: '' }, db);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'jwt-secret'))).toBe(0o600);
    expect(modeOf(join(dataDir, 'pglite', 'left-over'))).toBe(0o600);
    await stop();
    expect(looseUnder(dataDir)).toEqual([]);
  });
});
