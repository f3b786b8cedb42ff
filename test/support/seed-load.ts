import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ExecuteArticleCommand } from '../../src/articles/commands/article-command';
import type { ArticleCommand } from '../../src/articles/domain/article.decide';
import type { TestApp } from './test-app';
import seed from '../fixtures/seed-article.json';

const actor = (username: string, roles: string[]) => ({ id: randomUUID(), username, roles });

/**
 * Drives whole article workflows through the CommandBus (the same path HTTP commands take), for tests that need
 * a log of many events across many articles. Returns the number of events appended.
 */
export async function seedWorkflows(t: TestApp, articles: number, revisionsPerArticle = 3): Promise<{ ids: string[]; events: number }> {
  const bus = t.app.get(CommandBus);
  const reporter = actor('load-reporter', ['reporter']);
  const editor = actor('load-editor', ['editor']);
  const publisher = actor('load-publisher', ['publisher']);
  let events = 0;
  const ids: string[] = [];
  const run = async (id: string, command: ArticleCommand, who: typeof reporter) => {
    const r = await bus.execute(
      new ExecuteArticleCommand(id, command, { now: t.clock.now(), actor: who, commandId: randomUUID(), correlationId: randomUUID() }),
    );
    events = Math.max(events, 0) + 1;
    return r;
  };
  for (let i = 0; i < articles; i++) {
    const id = randomUUID();
    ids.push(id);
    await run(id, { type: 'DraftArticle', data: { articleId: id, ...seed.draft, headline: `${seed.draft.headline} #${i}`, summary: null, body: seed.draft.body.slice(0, 3) as never } }, reporter);
    for (const b of seed.bylines) await run(id, { type: 'AddByline', data: { bylineId: randomUUID(), ...b } }, reporter);
    for (let r = 0; r < revisionsPerArticle; r++) {
      await run(id, { type: 'ReviseDraft', data: { changes: { summary: `revision ${r} of ${i}` } } }, reporter);
    }
    const p = seed.photos[0];
    await run(id, { type: 'AttachPhotoCredit', data: { photoId: randomUUID(), href: p.href, caption: p.caption, credit: p.credit } }, reporter);
    await run(id, { type: 'ApproveArticle', data: { note: null } }, editor);
    if (i % 2 === 0) {
      await run(id, { type: 'PublishArticle', data: { copyrightNotice: { ...seed.copyrightNotice, usageTerms: null }, publishAt: null } }, publisher);
      if (i % 4 === 0) {
        // A new headline is proposed by one person and goes live on another's approval.
        const correctionId = randomUUID();
        await run(id, { type: 'CorrectArticle', data: { correctionId, kind: 'correction', note: `fixed ${i}`, headline: `${seed.draft.headline} (corrected)`, body: null } }, publisher);
        await run(id, { type: 'ApproveCorrection', data: { correctionId } }, editor);
      }
      if (i % 8 === 0) await run(id, { type: 'WithdrawArticle', data: { reason: 'legal' } }, publisher);
    }
  }
  return { ids, events };
}
