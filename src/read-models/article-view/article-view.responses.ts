import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * The shapes the article reads answer with (working state, list and search, history, events, diff, what readers
 * see), for the OpenAPI document: the code builds them in article-view.ts and published-article.ts, and
 * test/openapi.e2e.spec.ts checks each answer against these.
 */

export const STATUSES = ['draft', 'approved', 'scheduled', 'published', 'withdrawn'];
const TIME = { type: 'string', format: 'date-time' } as const;

export class ActorRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
}

export class BlockView {
  @ApiProperty({ enum: ['paragraph', 'heading', 'quote'] }) type: string;
  @ApiProperty() text: string;
}

export class BylineView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) role: string | null;
  @ApiProperty({ type: String, nullable: true }) organisation: string | null;
}

export class PhotoCreditView {
  @ApiProperty() photographer: string;
  @ApiProperty({ type: String, nullable: true }) organisation: string | null;
  @ApiProperty({ type: String, nullable: true }) line: string | null;
}

export class PhotoView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() href: string;
  @ApiProperty() caption: string;
  @ApiProperty({ type: PhotoCreditView }) credit: PhotoCreditView;
}

export class CopyrightNoticeView {
  @ApiProperty() holder: string;
  @ApiProperty() text: string;
  @ApiProperty({ type: String, nullable: true }) usageTerms: string | null;
}

export class ApprovalView {
  @ApiProperty({ type: ActorRefDto }) by: ActorRefDto;
  @ApiProperty(TIME) at: string;
  @ApiProperty({ description: 'The version approved.' }) version: number;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
}

export class PublicationView {
  @ApiProperty(TIME) at: string;
  @ApiProperty() version: number;
  @ApiProperty({ type: CopyrightNoticeView }) copyrightNotice: CopyrightNoticeView;
  @ApiPropertyOptional({ ...TIME, description: 'Under embargo: partners have it, readers from this time on.' }) embargoUntil?: string;
}

export class ScheduleView {
  @ApiProperty(TIME) publishAt: string;
  @ApiProperty({ type: CopyrightNoticeView }) copyrightNotice: CopyrightNoticeView;
  @ApiProperty({ type: ActorRefDto }) by: ActorRefDto;
}

export class CorrectionView {
  @ApiProperty({ enum: ['correction', 'clarification', 'update', 'editors-note'] }) kind: string;
  @ApiProperty() note: string;
  @ApiProperty(TIME) at: string;
  @ApiProperty() version: number;
}

export class WithdrawalView {
  @ApiProperty() reason: string;
  @ApiProperty(TIME) at: string;
  @ApiProperty({ type: ActorRefDto }) by: ActorRefDto;
}

/** A correction of headline or body waiting for someone other than its author to approve it (readers do not see it). */
export class PendingCorrectionView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['correction', 'clarification', 'update', 'editors-note'] }) kind: string;
  @ApiProperty() note: string;
  @ApiProperty({ type: String, nullable: true, description: 'The proposed headline; null keeps the current one.' }) headline: string | null;
  @ApiProperty({ type: [BlockView], nullable: true, description: 'The proposed body; null keeps the current one.' }) body: BlockView[] | null;
  @ApiProperty({ type: ActorRefDto }) by: ActorRefDto;
  @ApiProperty(TIME) at: string;
  @ApiProperty({ description: 'The version that proposed it.' }) version: number;
}

/** GET /articles/{id}: the working state. */
export class ArticleView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Events in the article\'s stream; the ETag.' }) version: number;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty() headline: string;
  @ApiProperty({ example: 'zh-Hant' }) language: string;
  @ApiProperty({ type: String, nullable: true }) source: string | null;
  @ApiProperty({ type: String, nullable: true }) summary: string | null;
  @ApiProperty({ type: [BlockView] }) body: BlockView[];
  @ApiProperty({ type: [BylineView] }) bylines: BylineView[];
  @ApiProperty({ type: [PhotoView] }) photos: PhotoView[];
  @ApiProperty({ type: ApprovalView, nullable: true }) approval: ApprovalView | null;
  @ApiProperty({ type: PublicationView, nullable: true }) publication: PublicationView | null;
  @ApiProperty({ type: ScheduleView, nullable: true }) schedule: ScheduleView | null;
  @ApiProperty({ type: [CorrectionView] }) corrections: CorrectionView[];
  @ApiProperty({ type: PendingCorrectionView, nullable: true }) pendingCorrection: PendingCorrectionView | null;
  @ApiProperty({ type: WithdrawalView, nullable: true }) withdrawal: WithdrawalView | null;
  @ApiProperty({ type: ActorRefDto }) createdBy: ActorRefDto;
  @ApiProperty({ type: ActorRefDto, description: 'Who made the latest content change.' }) lastChangedBy: ActorRefDto;
  @ApiProperty(TIME) createdAt: string;
  @ApiProperty(TIME) updatedAt: string;
}

export class HighlightView {
  @ApiProperty({ description: 'UTF-16 offset (a JavaScript string index) into snippet.text where a match starts.' }) start: number;
  @ApiProperty({ description: 'Where it ends (exclusive).' }) end: number;
}

export class SnippetView {
  @ApiProperty({ enum: ['headline', 'summary', 'body', 'byline', 'caption', 'credit'] }) field: string;
  @ApiProperty({ description: 'Plain text from the article (an ellipsis where it was cut): render as text, never as HTML.' }) text: string;
  @ApiProperty({ type: [HighlightView], description: 'The matches in text, in order, not overlapping.' }) highlights: HighlightView[];
}

/** One line of GET /articles; with ?q=, also rank and snippet. */
export class ArticleSummaryView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() version: number;
  @ApiProperty({ enum: STATUSES }) status: string;
  @ApiProperty() headline: string;
  @ApiProperty() language: string;
  @ApiProperty(TIME) createdAt: string;
  @ApiProperty(TIME) updatedAt: string;
  @ApiPropertyOptional({ description: 'With ?q= only: higher is better (a word in the headline counts 10, each occurrence 1, up to 10 a word).' }) rank?: number;
  @ApiPropertyOptional({ type: SnippetView, nullable: true, description: 'With ?q= only.' }) snippet?: SnippetView | null;
}

export class ArticlePage {
  @ApiProperty({ type: [ArticleSummaryView] }) items: ArticleSummaryView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= (with the same filters) for the next page; null on the last.' }) nextCursor: string | null;
}

export class ActorView extends ActorRefDto {
  @ApiProperty({ type: [String] }) roles: string[];
}

export class AuditEntryView {
  @ApiProperty({ description: 'Position in the log.' }) position: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null for entries about users.' }) articleId: string | null;
  @ApiProperty() streamId: string;
  @ApiProperty() version: number;
  @ApiProperty({ example: 'ArticleApproved' }) type: string;
  @ApiProperty(TIME) at: string;
  @ApiProperty({ type: ActorView }) actor: ActorView;
  @ApiProperty({ description: 'What happened, in words.' }) summary: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Field changes (as GET /articles/{id}/diff gives them).' }) changes: unknown[];
  @ApiProperty() hash: string;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryView] }) items: AuditEntryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class StoredEventView {
  @ApiProperty() position: number;
  @ApiProperty() version: number;
  @ApiProperty({ example: 'ArticleDrafted' }) type: string;
  @ApiProperty() schemaVersion: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'actorId, username, roles, correlationId, causationId…' }) metadata: Record<string, unknown>;
  @ApiProperty(TIME) recordedAt: string;
  @ApiProperty({ description: 'The hash chaining this event to the one before.' }) hash: string;
}

export class FieldChangeView {
  @ApiProperty({ example: 'headline' }) field: string;
  @ApiProperty({ enum: ['set', 'added', 'removed'] }) op: string;
  @ApiPropertyOptional({ description: "op 'set': the value before." }) from?: unknown;
  @ApiPropertyOptional({ description: "op 'set': the value after." }) to?: unknown;
  @ApiPropertyOptional({ description: "op 'added' or 'removed': the item." }) value?: unknown;
}

export class DiffView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() from: number;
  @ApiProperty() to: number;
  @ApiProperty({ type: [FieldChangeView] }) changes: FieldChangeView[];
}

export class PublicBylineView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) role: string | null;
  @ApiProperty({ type: String, nullable: true }) organisation: string | null;
}

export class PublicCorrectionView {
  @ApiProperty({ enum: ['correction', 'clarification', 'update', 'editors-note'] }) kind: string;
  @ApiProperty() note: string;
  @ApiProperty(TIME) at: string;
}

/** GET /published/{id}: what readers see. */
export class PublishedArticleView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() version: number;
  @ApiProperty() headline: string;
  @ApiProperty() language: string;
  @ApiProperty({ type: String, nullable: true }) source: string | null;
  @ApiProperty({ type: String, nullable: true }) summary: string | null;
  @ApiProperty({ type: [BlockView] }) body: BlockView[];
  @ApiProperty({ type: [PublicBylineView] }) bylines: PublicBylineView[];
  @ApiProperty({ type: [PhotoView] }) photos: PhotoView[];
  @ApiProperty({ type: CopyrightNoticeView }) copyrightNotice: CopyrightNoticeView;
  @ApiProperty(TIME) publishedAt: string;
  @ApiProperty(TIME) updatedAt: string;
  @ApiProperty({ type: [PublicCorrectionView] }) corrections: PublicCorrectionView[];
}
