import { useCallback, useEffect, useId, useState } from 'react';
import { api, ifMatch, looseBody } from '../api/client';
import { can, type Article, type AuditEntry, type Change } from '../api/model';
import { asProblem, explain } from '../api/problem';
import { ArticleView } from '../components/ArticleView';
import { DiffView } from '../components/DiffView';
import { Notice } from '../components/Notice';
import { useMe } from '../context';
import { when } from '../format';
import { StoryNav } from './StoryNav';

/** Events after which the story's content stood approved or in readers' hands: the baseline an approver compares to. */
const SIGNED_OFF = new Set(['ArticleApproved', 'ArticlePublished', 'ArticleCorrected']);

/**
 * Approve what you read: the field-level diff of exactly this version against the last approved or published one,
 * and a button that approves this version only (If-Match): if the story moves on meanwhile, the approval is refused.
 */
export default function Approve({ id }: { id: string }) {
  const me = useMe();
  const allowed = can(me);
  const uid = useId();
  const [article, setArticle] = useState<Article | null>(null);
  const [baseline, setBaseline] = useState<AuditEntry | null>(null);
  const [changes, setChanges] = useState<Change[]>([]);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [ok, setOk] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setError('');
    const got = await api.GET('/articles/{id}', { params: { path: { id } } });
    if (!got.response.ok) return setError(explain(asProblem(got.error, got.response), 'read this story'));
    const a = got.data!;
    const history = await api.GET('/articles/{id}/history', { params: { path: { id } } });
    const entries = history.response.ok ? (history.data as unknown as AuditEntry[]) : [];
    const last = [...entries].reverse().find((e) => SIGNED_OFF.has(e.type) && e.version <= a.version) ?? null;
    const diff = await api.GET('/articles/{id}/diff', { params: { path: { id }, query: { from: last?.version ?? 0, to: a.version } } });
    if (!diff.response.ok) return setError(explain(asProblem(diff.error, diff.response), 'compare versions'));
    setArticle(a);
    setBaseline(last);
    setChanges((diff.data as unknown as { changes: Change[] }).changes);
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  if (!article) return error ? <Notice kind="error">{error}</Notice> : <p className="loading">Loading…</p>;

  const ownChange = me?.id === article.lastChangedBy?.id;
  const approve = async () => {
    setBusy(true);
    setError('');
    const { data, error: err, response } = await api.POST('/articles/{id}/approval', { params: { path: { id }, header: ifMatch(article.version) }, body: looseBody(note ? { note } : {}) });
    setBusy(false);
    if (!response.ok) return setError(explain(asProblem(err, response), 'approve stories'));
    setOk(`Approved version ${article.version}. It is now version ${data!.version}, ready to publish.`);
    setArticle({ ...article, status: 'approved' });
  };

  return (
    <section aria-labelledby={`${uid}-h`}>
      <StoryNav article={article} current="approve" />
      <h1 id={`${uid}-h`}>Approve version {article.version}</h1>
      <p>
        Status <span className={`badge badge-${article.status}`}>{article.status}</span>. Last change by {article.lastChangedBy?.username} on {when(article.updatedAt)}.
      </p>
      <h2>What changed since {baseline ? `version ${baseline.version} (${baseline.type === 'ArticleApproved' ? 'approved' : 'published'} by ${baseline.actor.username}, ${when(baseline.at)})` : 'the story was drafted (never approved before)'}</h2>
      <DiffView changes={changes} empty="Nothing changed since then." />
      <h2>The story as you are approving it</h2>
      <ArticleView article={article} />
      {allowed.approve && article.status === 'draft' && (
        <div className="panel">
          <label htmlFor={`${uid}-note`}>Note to the newsroom (optional)</label>
          <textarea id={`${uid}-note`} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
          {ownChange && <p className="muted">You made the latest change to this story, so the four-eyes rule needs someone else to approve it.</p>}
          <button type="button" className="primary" onClick={() => void approve()} disabled={busy || ownChange}>
            Approve version {article.version}
          </button>
        </div>
      )}
      {article.status !== 'draft' && !ok && <Notice kind="info">Only a draft can be approved; this story is {article.status}.</Notice>}
      <Notice kind="error">
        {error && (
          <>
            {error}{' '}
            <button type="button" onClick={() => void load()}>
              Load the latest version
            </button>
          </>
        )}
      </Notice>
      <Notice kind="ok">{ok}</Notice>
    </section>
  );
}
