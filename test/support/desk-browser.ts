import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DESK_DIR } from '../../src/desk/desk.module';

/** Debian's Chromium, driven by playwright-core; never a downloaded browser (see test/browser.e2e.spec.ts). */
export const CHROMIUM = '/usr/bin/chromium';
export const MISSING = `${CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium). This test never downloads a browser.`;
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
/** CI (CI=true) must run the browser tests; a developer's machine without Chromium skips them with a message. */
export const runsInBrowser = existsSync(CHROMIUM) || !!process.env.CI;

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(MISSING);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * The desk as `npm run build` makes it. CI builds before testing; on a developer's machine the desk is built here
 * (a few seconds), so the test never runs against a stale build of desk/.
 */
export function ensureDeskBuilt(): void {
  if (process.env.CI && existsSync(join(DESK_DIR, 'index.html'))) return;
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'desk/vite.config.mts', '--logLevel', 'error'], {
    cwd: join(__dirname, '..', '..'),
    stdio: 'inherit',
    // jest sets NODE_ENV=test, which would make Vite bundle React's development build: test what users get.
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** What a page must never do: break its Content-Security-Policy, throw, or open a dialog. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return problems;
}

/** A browser context for one person: it may load only from the service under test. */
export async function personContext(browser: Browser, origin: string, viewport = { width: 1200, height: 900 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: 'zh-TW', timezoneId: 'Asia/Taipei' });
  await context.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
  return context;
}

export async function signIn(context: BrowserContext, origin: string, username: string, password: string, path = '/desk'): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${origin}${path}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return { page, problems };
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page as it is now. axe is evaluated through the DevTools
 * protocol, which the page's CSP does not govern (an injected <script> would be refused, as it should be).
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run: (o: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run({
      resultTypes: ['violations'],
    });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return violations;
}

/** A screenshot kept as a test artifact (test-artifacts/, git-ignored; CI keeps it). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `desk-${name}.png`), fullPage: true });
}

/** Whether the page scrolls sideways: at 360 px nothing should. */
export const overflowsSideways = (page: Page) =>
  page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth > root.clientWidth + 1;
  });
