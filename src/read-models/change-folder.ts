import type { EntityManager } from 'typeorm';
import { Article, evolve } from '../articles/domain/article';
import { toRecorded } from '../articles/domain/article-stream';
import type { EventStore } from '../event-store/event-store.service';
import type { StoredEvent } from '../event-store/event-store.types';
import type { ArticleChange } from './projection';

/**
 * Turns article events read in log order into changes (the article before and after), folding in memory: the state
 * an event needs is the one the previous event of its stream left, or, when that is not remembered, the fold of
 * the stream up to it.
 */
export class ChangeFolder {
  private readonly states = new Map<string, Article>();

  constructor(
    private readonly store: EventStore,
    private readonly limit = 10_000,
  ) {}

  async change(manager: EntityManager, event: StoredEvent): Promise<ArticleChange> {
    const before = await this.stateBefore(manager, event);
    const recorded = toRecorded(event);
    const after = evolve(before, recorded);
    if (this.states.size >= this.limit && !this.states.has(event.streamId)) this.states.clear();
    this.states.set(event.streamId, after);
    return { event, recorded, before, after };
  }

  private async stateBefore(manager: EntityManager, event: StoredEvent): Promise<Article | null> {
    if (event.version === 1) return null;
    const cached = this.states.get(event.streamId);
    if (cached && cached.version === event.version - 1) return cached;
    const { events } = await this.store.readStream(manager, event.streamId, { version: event.version - 1 });
    return events.reduce<Article | null>((s, e) => evolve(s, toRecorded(e)), null);
  }
}
