import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { SEED } from './support/publish';
import { axeViolations, ensureDeskBuilt, launchChromium, MISSING, overflowsSideways, personContext, runsInBrowser, screenshot, signIn } from './support/desk-browser';
import { bearer, startApp, TestApp } from './support/test-app';

if (!runsInBrowser) process.stderr.write(`desk browser tests skipped: ${MISSING}\n`);
const run = runsInBrowser ? describe : describe.skip;

/**
 * The desk in a real browser: the seed article from draft to published and corrected by three people in three
 * browser contexts, two editors saving the same story, every screen checked by axe-core and kept as a screenshot.
 */
run('the desk in headless Chromium (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  type Person = Awaited<ReturnType<TestApp['user']>>;
  let reporter: Person, editor: Person, editor2: Person, publisher: Person;

  beforeAll(async () => {
    ensureDeskBuilt();
    t = await startApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    reporter = await t.user(['reporter'], 'reporter-ling');
    editor = await t.user(['editor'], 'editor-chen');
    editor2 = await t.user(['editor'], 'editor-nguyen');
    publisher = await t.user(['publisher'], 'publisher-wu');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Checks a screen: no serious or critical axe violation, then keeps its screenshot. */
  async function screen(page: Page, name: string) {
    expect({ screen: name, violations: await axeViolations(page) }).toEqual({ screen: name, violations: [] });
    await screenshot(page, name);
  }

  it('takes the seed article from draft to published and corrected, entirely through the desk', async () => {
    const reporterContext = await personContext(browser, origin);
    const editorContext = await personContext(browser, origin);
    const publisherContext = await personContext(browser, origin);
    try {
      // The reporter drafts the seed article block by block.
      const r = await signIn(reporterContext, origin, reporter.username, reporter.password);
      await screen(r.page, 'stories-empty');
      // A reporter may not approve, publish or administer: those screens are not offered.
      expect(await r.page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
      await r.page.getByRole('link', { name: 'New story' }).click();
      await r.page.getByLabel('Headline').fill(SEED.draft.headline);
      await r.page.getByLabel('Language (BCP 47 tag)').fill(SEED.draft.language);
      await r.page.getByLabel('Source').fill(SEED.draft.source ?? '');
      for (const [i, block] of SEED.draft.body.entries()) {
        if (i > 0) await r.page.getByRole('button', { name: `Add ${block.type}` }).click();
        else await r.page.getByLabel('Block 1 type').selectOption(block.type);
        await r.page.getByLabel(`Block ${i + 1} text`, { exact: true }).fill(block.text);
      }
      await screen(r.page, 'new-story');
      await r.page.getByRole('button', { name: 'Create draft' }).click();
      await r.page.getByRole('heading', { name: 'Edit story' }).waitFor();
      const id = /\/desk\/stories\/([0-9a-f-]{36})\/edit$/.exec(r.page.url())![1];

      for (const byline of SEED.bylines) {
        await r.page.getByLabel('Person').fill(byline.name);
        await r.page.getByLabel('Role', { exact: true }).fill(byline.role ?? '');
        await r.page.getByLabel('Organisation', { exact: true }).first().fill(byline.organisation ?? '');
        await r.page.getByRole('button', { name: 'Add byline' }).click();
        await r.page.getByRole('button', { name: `Remove byline ${byline.name}` }).waitFor();
      }
      const photo = SEED.photos[0];
      await r.page.getByLabel('Link to the photo').fill(photo.href);
      await r.page.getByLabel('Caption').fill(photo.caption);
      await r.page.getByLabel('Creator (photographer)').fill(photo.credit.photographer);
      await r.page.getByRole('form', { name: 'Add a photo credit' }).getByLabel('Organisation').fill(photo.credit.organisation ?? '');
      await r.page.getByLabel('Credit line').fill(photo.credit.line ?? '');
      await r.page.getByRole('button', { name: 'Add photo' }).click();
      await r.page.getByRole('button', { name: `Remove photo ${photo.caption}` }).waitFor();
      await screen(r.page, 'editor');
      expect(await r.page.getByRole('link', { name: 'Approve' }).count()).toBe(0);

      // The editor finds it in the list (live), reads exactly what changed and approves that version.
      const e = await signIn(editorContext, origin, editor.username, editor.password);
      await e.page.getByRole('link', { name: SEED.draft.headline }).waitFor();
      await screen(e.page, 'stories');
      await e.page.getByRole('link', { name: 'Review and approve' }).first().click();
      await e.page.getByRole('heading', { name: 'Approve version 4' }).waitFor();
      expect(await e.page.locator('.diff li').filter({ hasText: 'Headline' }).innerText()).toContain(SEED.draft.headline);
      await expect(e.page.locator('.diff li').filter({ hasText: 'Byline' }).count()).resolves.toBe(2);
      await screen(e.page, 'approve');
      await e.page.getByRole('button', { name: 'Approve version 4' }).click();
      await e.page.getByText('Approved version 4.').waitFor();

      // The publisher publishes with the copyright notice (the newsroom default, replaced by the seed's).
      const p = await signIn(publisherContext, origin, publisher.username, publisher.password, `/desk/stories/${id}/publish`);
      await p.page.getByRole('heading', { name: 'Publish version 5' }).waitFor();
      expect(await p.page.getByLabel('Holder').inputValue()).not.toBe(''); // prefilled
      await p.page.getByLabel('Holder').fill(SEED.copyrightNotice.holder);
      await p.page.getByLabel('Notice', { exact: true }).fill(SEED.copyrightNotice.text);
      await screen(p.page, 'publish');
      // First scheduled for a time in the publisher's zone (Asia/Taipei here), sent as RFC 3339; then cancelled.
      await p.page.getByLabel('At a time').check();
      await p.page.getByLabel(/Date and time, in your time zone \(Asia\/Taipei\)/).fill('2030-01-02T09:30');
      await p.page.getByRole('button', { name: 'Schedule' }).click();
      await p.page.getByRole('button', { name: 'Cancel the schedule' }).waitFor();
      expect((await t.http().get(`/articles/${id}`).set(bearer(t.adminToken))).body).toMatchObject({ status: 'scheduled', schedule: { publishAt: '2030-01-02T01:30:00.000Z' } });
      await screen(p.page, 'scheduled');
      await p.page.getByRole('button', { name: 'Cancel the schedule' }).click();
      await p.page.getByText('The schedule is cancelled').waitFor();
      await p.page.getByLabel('Holder').fill(SEED.copyrightNotice.holder);
      await p.page.getByLabel('Notice', { exact: true }).fill(SEED.copyrightNotice.text);
      await p.page.getByRole('button', { name: 'Publish now' }).click();
      await p.page.getByText('Published.').waitFor();

      // Then corrects it: a clarification with a note and a corrected headline.
      const corrected = `${SEED.draft.headline}(更正)`;
      await p.page.getByLabel('Kind').selectOption('clarification');
      await p.page.getByLabel('Note to readers').fill('標題補充會議日期。');
      await p.page.getByLabel('Headline').fill(corrected);
      await screen(p.page, 'correct');
      await p.page.getByRole('button', { name: 'Publish the clarification' }).click();
      // A new headline is a proposal: readers keep the current one until someone other than its author approves it.
      await p.page.getByText('The clarification is proposed').waitFor();
      expect(await p.page.getByRole('button', { name: 'Approve the clarification' }).isDisabled()).toBe(true);
      expect((await t.http().get(`/published/${id}`)).body.headline).toBe(SEED.draft.headline);
      await screen(p.page, 'correction-proposed');

      // The editor reads the proposal on the publishing screen and approves it.
      const c = await signIn(editorContext, origin, editor.username, editor.password, `/desk/stories/${id}/publish`);
      await c.page.getByRole('heading', { name: 'Proposed clarification' }).waitFor();
      expect(await c.page.locator('.proposed-headline').innerText()).toBe(corrected);
      await screen(c.page, 'correction-approve');
      await c.page.getByRole('button', { name: 'Approve the clarification' }).click();
      await c.page.getByText('The clarification is live.').waitFor();

      // The public page shows what readers see now: the corrected headline, the note, the copyright notice.
      const [publicPage] = await Promise.all([publisherContext.waitForEvent('page'), p.page.getByRole('link', { name: 'Public page', exact: true }).click()]);
      await publicPage.waitForLoadState();
      expect(await publicPage.locator('h1').innerText()).toBe(corrected);
      expect(await publicPage.locator('.corrections').innerText()).toContain('標題補充會議日期。');
      expect(await publicPage.locator('footer .copyright-notice').innerText()).toBe(SEED.copyrightNotice.text);
      await screenshot(publicPage, 'public-page');

      // The history shows the trail in words and the story as it stood at any version.
      await e.page.goto(`${origin}/desk`); // a reload: the token was in memory only, so the desk asks again
      await e.page.getByRole('button', { name: 'Sign in' }).waitFor();
      const h = await signIn(editorContext, origin, editor.username, editor.password, `/desk/stories/${id}/history`);
      await h.page.getByRole('heading', { name: 'Audit trail' }).waitFor();
      expect(await h.page.locator('.trail > li').count()).toBe(10);
      await h.page.getByRole('button', { name: 'Show version 5 as it stood' }).click();
      await h.page.locator('.preview h3', { hasText: SEED.draft.headline }).waitFor();
      expect(await h.page.locator('.preview h3').innerText()).toBe(SEED.draft.headline);
      await screen(h.page, 'history');

      expect([...r.problems, ...e.problems, ...p.problems, ...c.problems, ...h.problems]).toEqual([]);
      const article = (await t.http().get(`/articles/${id}`).set(bearer(t.adminToken)).expect(200)).body;
      expect(article).toMatchObject({ status: 'published', version: 10, headline: corrected, bylines: SEED.bylines.map((b) => expect.objectContaining(b)) });
    } finally {
      await Promise.all([reporterContext.close(), editorContext.close(), publisherContext.close()]);
    }
  }, 120_000);

  it('shows the second of two editors what the first changed, and loses none of their text', async () => {
    const first = await personContext(browser, origin);
    const second = await personContext(browser, origin, { width: 360, height: 780 });
    const problemsAlso: string[] = [];
    try {
      // The first editor's list shows a new story without a reload: the live event feed.
      const a = await signIn(first, origin, editor.username, editor.password);
      await a.page.getByText('Live: changes by others appear here as they happen.').waitFor();
      const drafted = await t.http().post('/articles').set(bearer(reporter.token)).send({ headline: 'Harbour reopens', language: 'en-GB', body: [{ type: 'paragraph', text: 'The harbour reopened on Monday.' }] }).expect(201);
      const id = drafted.body.id;
      await a.page.getByRole('link', { name: 'Harbour reopens' }).click();
      await a.page.getByRole('heading', { name: 'Edit story' }).waitFor();
      const b = await signIn(second, origin, editor2.username, editor2.password, `/desk/stories/${id}/edit`);
      await a.page.getByLabel('Headline').fill('Harbour reopens after storm');
      await b.page.getByLabel('Summary').fill('Ships are back after three days.');
      await b.page.getByLabel('Block 1 text', { exact: true }).fill('The harbour reopened on Monday morning.');
      // Leaving the editor and coming back loses no typing.
      await b.page.getByRole('link', { name: 'Stories' }).click();
      await b.page.getByRole('link', { name: 'Harbour reopens' }).click();
      await b.page.getByText('Your unsaved edits (on version 1) are back.').waitFor();
      expect(await b.page.getByLabel('Summary').inputValue()).toBe('Ships are back after three days.');
      await a.page.getByRole('button', { name: 'Save', exact: true }).click();
      await a.page.getByText('Saved as version 2.').waitFor();

      await b.page.getByRole('button', { name: 'Save', exact: true }).click();
      const conflict = b.page.getByRole('alert').filter({ hasText: 'Someone else saved this story first' });
      await conflict.waitFor();
      expect(await conflict.locator('.diff li').filter({ hasText: 'Headline' }).innerText()).toContain('Harbour reopens after storm');
      // Nothing typed is lost: the second editor's text is still in the form.
      expect(await b.page.getByLabel('Summary').inputValue()).toBe('Ships are back after three days.');
      expect(await b.page.getByLabel('Block 1 text', { exact: true }).inputValue()).toBe('The harbour reopened on Monday morning.');
      expect(await overflowsSideways(b.page)).toBe(false);
      await screen(b.page, 'conflict-360px');
      // And nothing was overwritten: the server still has the first editor's version only.
      expect((await t.http().get(`/articles/${id}`).set(bearer(t.adminToken))).body).toMatchObject({ version: 2, headline: 'Harbour reopens after storm', summary: null });

      await b.page.getByRole('button', { name: 'Save my edits on version 2' }).click();
      await b.page.getByText('Saved as version 3.').waitFor();
      const saved = (await t.http().get(`/articles/${id}`).set(bearer(t.adminToken)).expect(200)).body;
      expect(saved).toMatchObject({
        version: 3,
        headline: 'Harbour reopens after storm',
        summary: 'Ships are back after three days.',
        body: [{ type: 'paragraph', text: 'The harbour reopened on Monday morning.' }],
      });
      // The form now shows the merged story, the first editor's headline included.
      expect(await b.page.getByLabel('Headline').inputValue()).toBe('Harbour reopens after storm');

      // Approval is of the version read: when the story moves on meanwhile, the approval is refused, in words.
      await a.page.goto(`${origin}/desk`);
      const approver = await signIn(first, origin, editor.username, editor.password, `/desk/stories/${id}/approve`);
      await approver.page.getByRole('heading', { name: 'Approve version 3' }).waitFor();
      await t.http().patch(`/articles/${id}`).set(bearer(reporter.token)).set('If-Match', '"3"').send({ source: 'Port authority' }).expect(200);
      await approver.page.getByRole('button', { name: 'Approve version 3' }).click();
      await approver.page.getByRole('alert').filter({ hasText: 'Someone else changed this story after you opened it' }).waitFor();
      expect((await t.http().get(`/articles/${id}`).set(bearer(t.adminToken))).body).toMatchObject({ version: 4, status: 'draft', approval: null });
      await approver.page.getByRole('button', { name: 'Load the latest version' }).click();
      await approver.page.getByRole('heading', { name: 'Approve version 4' }).waitFor();
      expect(await approver.page.locator('.diff li').filter({ hasText: 'Source' }).innerText()).toContain('Port authority');
      // A workflow rule (no byline yet) is refused in words too, and nothing changes.
      await approver.page.getByRole('button', { name: 'Approve version 4' }).click();
      expect(await approver.page.getByRole('alert').filter({ hasText: "The newsroom's workflow does not allow this now" }).innerText()).toMatch(/byline/);
      expect((await t.http().get(`/articles/${id}`).set(bearer(t.adminToken))).body).toMatchObject({ version: 4, status: 'draft' });
      problemsAlso.push(...approver.problems);
      expect([...a.problems, ...b.problems, ...problemsAlso]).toEqual([]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  }, 120_000);

  it('finds the seed article by searching 東盟, with the match marked in its snippet', async () => {
    const context = await personContext(browser, origin);
    try {
      const { page, problems } = await signIn(context, origin, reporter.username, reporter.password);
      await page.getByRole('link', { name: SEED.draft.headline }).waitFor(); // drafted by the first test
      await t.http().post('/articles').set(bearer(reporter.token)).send({ headline: 'Hà Nội trains', language: 'vi', body: [{ type: 'paragraph', text: 'Rail news.' }] }).expect(201);
      await page.getByRole('searchbox', { name: 'Search' }).fill('東盟');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByRole('link', { name: 'Hà Nội trains' }).waitFor({ state: 'detached' });
      expect(await page.locator('.story .headline').allInnerTexts()).toEqual([`${SEED.draft.headline}(更正)`]);
      expect(await page.locator('.story mark').first().innerText()).toBe('東盟');
      await screen(page, 'search');
      // The author filter: the drafter's username.
      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      await page.getByLabel('Author').fill(reporter.username);
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByRole('link', { name: 'Hà Nội trains' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('gives the admin screens to admins only, and they pass axe at 360 px', async () => {
    const context = await personContext(browser, origin, { width: 360, height: 780 });
    try {
      const { page, problems } = await signIn(context, origin, 'admin', (t.env.NEWSROOM_ADMIN_PASSWORD as string));
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('heading', { name: 'Users and roles' }).waitFor();
      await page.getByRole('row', { name: /publisher-wu/ }).waitFor();
      await page.getByRole('button', { name: 'Verify now' }).click();
      await page.getByText(/Intact: \d+ stories and \d+ events checked/).waitFor();
      await page.getByRole('cell', { name: 'article_view' }).or(page.getByRole('rowheader', { name: /article/ }).first()).first().waitFor();
      expect(await overflowsSideways(page)).toBe(false);
      await screen(page, 'admin-360px');
      await page.getByRole('link', { name: 'Stories' }).click();
      await page.getByRole('heading', { name: 'Stories' }).waitFor();
      expect(await overflowsSideways(page)).toBe(false);
      await screen(page, 'stories-360px');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
