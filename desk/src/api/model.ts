import type { components } from './schema';

/** The shapes the desk reads (docs/api.md, "Reads"). */
export type Status = 'draft' | 'approved' | 'scheduled' | 'published' | 'withdrawn';
export const STATUSES: Status[] = ['draft', 'approved', 'scheduled', 'published', 'withdrawn'];
export type Role = 'reporter' | 'editor' | 'publisher' | 'auditor' | 'admin';
export const ROLES: Role[] = ['reporter', 'editor', 'publisher', 'auditor', 'admin'];
export type BlockType = 'paragraph' | 'heading' | 'quote';
export const BLOCK_TYPES: BlockType[] = ['paragraph', 'heading', 'quote'];
export const CORRECTION_KINDS = ['correction', 'clarification', 'update', 'editors-note'] as const;

type Schemas = components['schemas'];
/** The API's own shapes, from the generated client (docs/openapi.json): the desk cannot drift from them. */
export type Block = Schemas['BlockView'];
export type Byline = Schemas['BylineView'];
export type Photo = Schemas['PhotoView'];
export type Article = Schemas['ArticleView'];
export type Summary = Schemas['ArticleSummaryView'];
export type Change =
  | { field: string; op: 'set'; from: unknown; to: unknown }
  | { field: string; op: 'added'; value: unknown }
  | { field: string; op: 'removed'; value: unknown };
/** The document types a change's values loosely (any JSON); the desk reads them as this union. */
export type AuditEntry = Omit<Schemas['AuditEntryView'], 'changes'> & { changes: Change[] };
export type Me = Schemas['MeView'];

/** What each role may do (docs/api.md, the roles table): buttons a role may not use are not shown. */
export const can = (me: Me | null) => {
  const has = (...roles: Role[]) => !!me && roles.some((r) => me.roles.includes(r));
  return {
    write: has('reporter', 'editor', 'publisher'),
    approve: has('editor', 'publisher'),
    publish: has('publisher'),
    audit: has('editor', 'publisher', 'auditor', 'admin'),
    verify: has('auditor', 'admin'),
    admin: has('admin'),
  };
};
