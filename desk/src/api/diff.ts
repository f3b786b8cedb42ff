import { api } from './client';
import type { Article, Change } from './model';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The content fields that changed between two versions, as GET /articles/{id}/diff names them. Reporters may not
 * read /diff (docs/api.md), yet they too must see what someone else changed before they save again: for them the
 * desk compares the two versions it can read, field by field, the way the server does.
 */
export function contentDiff(before: Article, after: Article): Change[] {
  const changes: Change[] = [];
  for (const field of ['status', 'headline', 'summary', 'language', 'source'] as const) {
    if (!same(before[field] ?? null, after[field] ?? null)) changes.push({ field, op: 'set', from: before[field] ?? null, to: after[field] ?? null });
  }
  for (let i = 0; i < Math.max(before.body.length, after.body.length); i++) {
    const field = `body[${i}]`;
    if (i >= before.body.length) changes.push({ field, op: 'added', value: after.body[i] });
    else if (i >= after.body.length) changes.push({ field, op: 'removed', value: before.body[i] });
    else if (!same(before.body[i], after.body[i])) changes.push({ field, op: 'set', from: before.body[i], to: after.body[i] });
  }
  for (const field of ['bylines', 'photos'] as const) {
    const was = new Set(before[field].map((x) => x.id));
    const is = new Set(after[field].map((x) => x.id));
    for (const x of before[field]) if (!is.has(x.id)) changes.push({ field, op: 'removed', value: x });
    for (const x of after[field]) if (!was.has(x.id)) changes.push({ field, op: 'added', value: x });
  }
  return changes;
}

/** What changed from one version to another: the server's diff where the role may read it, else contentDiff. */
export async function changesBetween(id: string, before: Article, after: Article, mayReadDiff: boolean): Promise<Change[]> {
  if (mayReadDiff) {
    const { data, response } = await api.GET('/articles/{id}/diff', { params: { path: { id }, query: { from: before.version, to: after.version } } });
    if (response.ok) return (data as unknown as { changes: Change[] }).changes;
  }
  return contentDiff(before, after);
}
