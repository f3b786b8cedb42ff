import type { DomainErrorCode } from './articles/domain/article.decide';
import type { UserErrorCode } from './auth/domain/user.decide';

/**
 * The one place error codes become HTTP statuses: every coded error a feature raises (ProblemFilter reads it). A
 * domain error code missing here fails to compile.
 */
export const ERROR_STATUS: Record<DomainErrorCode | UserErrorCode | 'VERSION_MISMATCH' | 'IDEMPOTENCY_KEY_REUSED', number> = {
  ARTICLE_NOT_FOUND: 404,
  BYLINE_NOT_FOUND: 404,
  PHOTO_NOT_FOUND: 404,
  CORRECTION_NOT_FOUND: 404,
  FOUR_EYES: 403,
  ARTICLE_EXISTS: 409,
  ARTICLE_PUBLISHED: 409,
  ARTICLE_WITHDRAWN: 409,
  ARTICLE_SCHEDULED: 409,
  ARTICLE_NOT_DRAFT: 409,
  ARTICLE_NOT_APPROVED: 409,
  ARTICLE_NOT_SCHEDULED: 409,
  ARTICLE_NOT_PUBLISHED: 409,
  SCHEDULE_NOT_DUE: 409,
  HEADLINE_REQUIRED: 409,
  BODY_REQUIRED: 409,
  BYLINE_REQUIRED: 409,
  PHOTO_CREDIT_REQUIRED: 409,
  COPYRIGHT_NOTICE_REQUIRED: 409,
  CORRECTION_NOTE_REQUIRED: 409,
  CORRECTION_PENDING: 409,
  WITHDRAWAL_REASON_REQUIRED: 409,
  USER_ADMIN_ONLY: 403,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  LAST_ADMIN: 409,
  EMBARGO_NOT_FUTURE: 409,
  EMBARGO_WITH_SCHEDULE: 409,
  /** If-Match named a version the article is not at (PreconditionFailed). */
  VERSION_MISMATCH: 412,
  /** An Idempotency-Key sent again with another request (IdempotencyKeyReused). */
  IDEMPOTENCY_KEY_REUSED: 422,
};
