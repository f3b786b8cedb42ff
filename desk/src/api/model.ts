/** The shapes the desk reads (docs/api.md, "Reads"). */
export type Status = 'draft' | 'approved' | 'scheduled' | 'published' | 'withdrawn';
export const STATUSES: Status[] = ['draft', 'approved', 'scheduled', 'published', 'withdrawn'];
export type Role = 'reporter' | 'editor' | 'publisher' | 'auditor' | 'admin';
export const ROLES: Role[] = ['reporter', 'editor', 'publisher', 'auditor', 'admin'];
export type BlockType = 'paragraph' | 'heading' | 'quote';
export const BLOCK_TYPES: BlockType[] = ['paragraph', 'heading', 'quote'];
export const CORRECTION_KINDS = ['correction', 'clarification', 'update', 'editors-note'] as const;

export interface Block {
  type: BlockType;
  text: string;
}
export interface Byline {
  id: string;
  name: string;
  role: string | null;
  organisation: string | null;
}
export interface Photo {
  id: string;
  href: string;
  caption: string;
  credit: { photographer: string; organisation: string | null; line: string | null };
}
export interface Article {
  id: string;
  version: number;
  status: Status;
  headline: string;
  language: string;
  source: string | null;
  summary: string | null;
  body: Block[];
  bylines: Byline[];
  photos: Photo[];
  approval: { by: { username: string }; at: string; version: number } | null;
  publication: { at: string; version: number; copyrightNotice: { holder: string; text: string; usageTerms: string | null } } | null;
  schedule: { publishAt: string; by: { username: string } } | null;
  corrections: { kind: string; note: string; at: string }[];
  withdrawal: { reason: string; at: string } | null;
  createdBy: { id: string; username: string };
  /** Who made the latest content change: the four-eyes rule keeps them from approving it. */
  lastChangedBy: { id: string; username: string };
  createdAt: string;
  updatedAt: string;
}
export interface Summary {
  id: string;
  version: number;
  status: Status;
  headline: string;
  language: string;
  createdAt: string;
  updatedAt: string;
  /** With a search: where the words were found, the matches as offsets into its plain text. */
  snippet?: { field: string; text: string; highlights: { start: number; end: number }[] } | null;
}
export type Change =
  | { field: string; op: 'set'; from: unknown; to: unknown }
  | { field: string; op: 'added'; value: unknown }
  | { field: string; op: 'removed'; value: unknown };
export interface AuditEntry {
  position: number;
  version: number;
  type: string;
  at: string;
  actor: { id: string; username: string; roles: string[] };
  summary: string;
  changes: Change[];
}
export interface Me {
  id: string;
  username: string;
  roles: Role[];
}

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
