import type { AppendWrites, SnapshotQuery } from '../../event-store/event-store.types';
import type { Article } from '../domain/article';

/**
 * What an article command needs of the read models, which ReadModelsModule provides: declared here so that the
 * dependency runs one way (read models know articles; articles do not know the read models).
 */
export abstract class ArticleReadModels {
  /** The working-state row to read with the stream head as its snapshot (one round trip). */
  abstract snapshot(articleId: string): SnapshotQuery;

  /**
   * Every read model's writes for an append of this article's events, to run inside the append's own statement;
   * `result.after` is the article after the events, once the writes have been built.
   */
  abstract inlineWrites(before: Article | null): { writes: AppendWrites; result: { after: Article | null } };

  /** After a command on the article, committed or not (it may have committed): drop what this instance rendered of it. */
  abstract changed(articleId: string): void;
}
