import type { Change } from '../api/model';

/** A field's name as a newsroom says it: body[2] is "Body, block 3". */
export function fieldLabel(field: string): string {
  const block = /^body\[(\d+)\]$/.exec(field);
  if (block) return `Body, block ${Number(block[1]) + 1}`;
  const names: Record<string, string> = {
    headline: 'Headline',
    summary: 'Summary',
    language: 'Language',
    source: 'Source',
    status: 'Status',
    bylines: 'Byline',
    photos: 'Photo',
    approval: 'Approval',
    schedule: 'Schedule',
    publication: 'Publication',
    corrections: 'Correction',
    withdrawal: 'Withdrawal',
    body: 'Body',
  };
  return names[field] ?? field;
}

/** A value as text: a block as its text, a byline as its name, anything else as short JSON. */
export function describe(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  const v = value as Record<string, unknown>;
  if (typeof v.text === 'string' && typeof v.type === 'string') return `[${v.type}] ${v.text}`;
  if (typeof v.name === 'string') return [v.name, v.role, v.organisation].filter(Boolean).join(', ');
  if (typeof v.caption === 'string') {
    const credit = v.credit as { photographer?: string; line?: string } | undefined;
    return `${v.caption} (${credit?.line ?? credit?.photographer ?? 'no credit'})`;
  }
  if (typeof v.kind === 'string' && typeof v.note === 'string') return `${v.kind}: ${v.note}`;
  if (typeof v.reason === 'string') return `reason: ${v.reason}`;
  if (v.by && typeof v.by === 'object') return `by ${(v.by as { username?: string }).username ?? '?'} (version ${String(v.version ?? '?')})`;
  return JSON.stringify(value);
}

/** The field-level differences, each as what was removed and what came in. */
export function DiffView({ changes, empty = 'No differences.' }: { changes: Change[]; empty?: string }) {
  if (!changes.length) return <p className="muted">{empty}</p>;
  return (
    <ul className="diff">
      {changes.map((c, i) => (
        <li key={i} className={`diff-${c.op}`}>
          <strong>{fieldLabel(c.field)}</strong>{' '}
          {c.op === 'set' ? (
            <>
              <span className="muted">changed</span>
              <del aria-label="before">{describe(c.from)}</del>
              <ins aria-label="after">{describe(c.to)}</ins>
            </>
          ) : c.op === 'added' ? (
            <>
              <span className="muted">added</span>
              <ins aria-label="added">{describe(c.value)}</ins>
            </>
          ) : (
            <>
              <span className="muted">removed</span>
              <del aria-label="removed">{describe(c.value)}</del>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
