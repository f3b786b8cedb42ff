import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { api, ifMatch, looseBody } from '../api/client';
import { can, CORRECTION_KINDS, type Article } from '../api/model';
import { asProblem, explain } from '../api/problem';
import { BlocksEditor, withKeys, withoutKeys, type EditableBlock } from '../components/BlocksEditor';
import { Notice } from '../components/Notice';
import { useMe } from '../context';
import { when, ZONE } from '../format';
import { NEWSROOM } from '../newsroom';
import { StoryNav } from './StoryNav';

/** A datetime-local value (the user's own zone) as RFC 3339 in UTC, which the API requires. */
const toRfc3339 = (local: string) => new Date(local).toISOString();

/** Publishing: publish now or at a time, cancel a schedule, correct, withdraw. Publishers only. */
export default function Publish({ id }: { id: string }) {
  const me = useMe();
  const allowed = can(me);
  const uid = useId();
  const [article, setArticle] = useState<Article | null>(null);
  const [error, setError] = useState('');
  const [ok, setOk] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const { data, error: err, response } = await api.GET('/articles/{id}', { params: { path: { id } } });
    if (!response.ok) return setError(explain(asProblem(err, response), 'read this story'));
    setArticle(data!);
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  if (!article) return error ? <Notice kind="error">{error}</Notice> : <p className="loading">Loading…</p>;

  /** Runs one command with If-Match on the version shown, then reads the story again. */
  const run = async (call: () => Promise<{ response: Response; error?: unknown }>, action: string, done: string | ((response: Response) => string)) => {
    setBusy(true);
    setError('');
    setOk('');
    const { response, error: err } = await call();
    setBusy(false);
    if (!response.ok) return setError(explain(asProblem(err, response), action));
    setOk(typeof done === 'string' ? done : done(response));
    await load();
  };

  return (
    <section aria-labelledby={`${uid}-h`}>
      <StoryNav article={article} current="publish" />
      <h1 id={`${uid}-h`}>Publishing</h1>
      <p>
        Version {article.version}, <span className={`badge badge-${article.status}`}>{article.status}</span>
        {article.publication && <> — published {when(article.publication.at)}</>}
        {article.schedule && <> — scheduled for {when(article.schedule.publishAt)} ({ZONE})</>}
      </p>
      {!allowed.publish && <Notice kind="info">Only a publisher may publish, correct or withdraw.</Notice>}
      <Notice kind="error">{error}</Notice>
      <Notice kind="ok">{ok}</Notice>
      {allowed.publish && article.status === 'draft' && <Notice kind="info">This story must be approved before it can be published.</Notice>}
      {allowed.publish && article.status === 'approved' && <PublishForm article={article} busy={busy} run={run} />}
      {allowed.publish && article.status === 'scheduled' && (
        <div className="panel">
          <p>
            It will be published on {when(article.schedule?.publishAt)} ({ZONE}).
          </p>
          <button type="button" disabled={busy} onClick={() => void run(() => api.DELETE('/articles/{id}/publication', { params: { path: { id }, header: ifMatch(article.version) } }), 'cancel schedules', 'The schedule is cancelled; the story is approved and unpublished.')}>
            Cancel the schedule
          </button>
        </div>
      )}
      {allowed.approve && article.status === 'published' && article.pendingCorrection && (
        <PendingCorrectionPanel article={article} mine={article.pendingCorrection.by.id === me?.id} busy={busy} run={run} />
      )}
      {allowed.publish && article.status === 'published' && (
        <>
          <CorrectForm article={article} busy={busy} run={run} />
          <WithdrawForm article={article} busy={busy} run={run} />
        </>
      )}
      {article.withdrawal && <Notice kind="info">Withdrawn on {when(article.withdrawal.at)}: {article.withdrawal.reason}</Notice>}
      {(article.status === 'published' || article.status === 'withdrawn') && (
        <p>
          <a href={`/news/${article.id}`} target="_blank" rel="noopener">
            Open the public page
          </a>
        </p>
      )}
    </section>
  );
}

type Run = (call: () => Promise<{ response: Response; error?: unknown }>, action: string, done: string | ((response: Response) => string)) => Promise<void>;
type FormProps = { article: Article; busy: boolean; run: Run };

function PublishForm({ article, busy, run }: FormProps) {
  const uid = useId();
  const [notice, setNotice] = useState({ ...NEWSROOM.copyrightNotice });
  const [when_, setWhen] = useState<'now' | 'later'>('now');
  const [at, setAt] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const copyrightNotice = { holder: notice.holder, text: notice.text, ...(notice.usageTerms ? { usageTerms: notice.usageTerms } : {}) };
    const body = when_ === 'later' ? { copyrightNotice, publishAt: toRfc3339(at) } : { copyrightNotice };
    void run(
      () => api.POST('/articles/{id}/publication', { params: { path: { id: article.id }, header: ifMatch(article.version) }, body: looseBody(body) }),
      'publish',
      when_ === 'later' ? `Scheduled for ${when(body.publishAt)} (${ZONE}).` : 'Published.',
    );
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Publish version {article.version}</h2>
      <fieldset>
        <legend>Copyright notice</legend>
        <label htmlFor={`${uid}-holder`}>Holder</label>
        <input id={`${uid}-holder`} value={notice.holder} onChange={(e) => setNotice({ ...notice, holder: e.target.value })} required />
        <label htmlFor={`${uid}-text`}>Notice</label>
        <textarea id={`${uid}-text`} rows={5} value={notice.text} onChange={(e) => setNotice({ ...notice, text: e.target.value })} required />
        <label htmlFor={`${uid}-terms`}>Usage terms (optional)</label>
        <input id={`${uid}-terms`} value={notice.usageTerms} onChange={(e) => setNotice({ ...notice, usageTerms: e.target.value })} />
      </fieldset>
      <fieldset>
        <legend>When</legend>
        <label className="inline">
          <input type="radio" name={`${uid}-when`} checked={when_ === 'now'} onChange={() => setWhen('now')} /> Now
        </label>
        <label className="inline">
          <input type="radio" name={`${uid}-when`} checked={when_ === 'later'} onChange={() => setWhen('later')} /> At a time
        </label>
        {when_ === 'later' && (
          <>
            <label htmlFor={`${uid}-at`}>Date and time, in your time zone ({ZONE})</label>
            <input id={`${uid}-at`} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} required />
          </>
        )}
      </fieldset>
      <button type="submit" className="primary" disabled={busy}>
        {when_ === 'now' ? 'Publish now' : 'Schedule'}
      </button>
    </form>
  );
}

function CorrectForm({ article, busy, run }: FormProps) {
  const uid = useId();
  const [kind, setKind] = useState<(typeof CORRECTION_KINDS)[number]>('correction');
  const [note, setNote] = useState('');
  const [headline, setHeadline] = useState(article.headline);
  const [changeBody, setChangeBody] = useState(false);
  const [body, setBody] = useState<EditableBlock[]>(() => withKeys(article.body));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const payload = { kind, note, ...(headline !== article.headline ? { headline } : {}), ...(changeBody ? { body: withoutKeys(body) } : {}) };
    void run(() => api.POST('/articles/{id}/corrections', { params: { path: { id: article.id }, header: ifMatch(article.version) }, body: looseBody(payload) }), 'correct stories', (response) =>
      // A new headline or body is a proposal (202): it goes live when someone other than its author approves it.
      response.status === 202 ? `The ${kind} is proposed: readers see it once someone else approves it.` : `The ${kind} is published with its note.`);
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Correct</h2>
      <label htmlFor={`${uid}-kind`}>Kind</label>
      <select id={`${uid}-kind`} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
        {CORRECTION_KINDS.map((k) => (
          <option key={k}>{k}</option>
        ))}
      </select>
      <label htmlFor={`${uid}-note`}>Note to readers</label>
      <textarea id={`${uid}-note`} rows={2} value={note} onChange={(e) => setNote(e.target.value)} required />
      <label htmlFor={`${uid}-headline`}>Headline</label>
      <textarea id={`${uid}-headline`} rows={2} value={headline} onChange={(e) => setHeadline(e.target.value)} lang={article.language} />
      <label className="inline">
        <input type="checkbox" checked={changeBody} onChange={(e) => setChangeBody(e.target.checked)} /> Correct the body too
      </label>
      {changeBody && <BlocksEditor blocks={body} onChange={setBody} />}
      <button type="submit" className="primary" disabled={busy}>
        Publish the {kind}
      </button>
    </form>
  );
}

/** A proposed correction of headline or body: what would change, and approve or reject it (four eyes: not its author). */
function PendingCorrectionPanel({ article, mine, busy, run }: FormProps & { mine: boolean }) {
  const uid = useId();
  const [reason, setReason] = useState('');
  const pending = article.pendingCorrection!;
  const path = { id: article.id, correctionId: pending.id };
  const approve = () =>
    void run(() => api.POST('/articles/{id}/corrections/{correctionId}/approval', { params: { path, header: ifMatch(article.version) } }), 'approve corrections', `The ${pending.kind} is live.`);
  const reject = () =>
    void run(
      () => api.POST('/articles/{id}/corrections/{correctionId}/rejection', { params: { path, header: ifMatch(article.version) }, body: looseBody(reason ? { reason } : {}) }),
      'reject corrections',
      mine ? 'Your proposal is withdrawn; readers never saw it.' : 'The proposal is rejected; readers never saw it.',
    );
  return (
    <section className="panel" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Proposed {pending.kind}</h2>
      <p>
        Proposed by {pending.by.username} on {when(pending.at)}. Readers keep the current version until someone other than its author approves it.
      </p>
      <p>
        Note to readers: <q>{pending.note}</q>
      </p>
      {pending.headline !== null && (
        <dl>
          <dt>Headline now</dt>
          <dd lang={article.language}>{article.headline}</dd>
          <dt>Proposed headline</dt>
          <dd lang={article.language} className="proposed-headline">
            {pending.headline}
          </dd>
        </dl>
      )}
      {pending.body !== null && <p>The body is corrected too ({pending.body.length} blocks); the history shows each changed block.</p>}
      {mine && <Notice kind="info">You proposed this correction, so someone else must approve it (four eyes). You may withdraw it.</Notice>}
      <button type="button" className="primary" disabled={busy || mine} onClick={approve}>
        Approve the {pending.kind}
      </button>
      <label htmlFor={`${uid}-reason`}>Reason for rejecting (optional)</label>
      <input id={`${uid}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} />
      <button type="button" disabled={busy} onClick={reject}>
        {mine ? 'Withdraw the proposal' : 'Reject the proposal'}
      </button>
    </section>
  );
}

function WithdrawForm({ article, busy, run }: FormProps) {
  const uid = useId();
  const [reason, setReason] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api.POST('/articles/{id}/withdrawal', { params: { path: { id: article.id }, header: ifMatch(article.version) }, body: { reason } }), 'withdraw stories', 'Withdrawn: the public page now says so.');
  };
  return (
    <form className="panel danger" onSubmit={submit} aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Withdraw</h2>
      <label htmlFor={`${uid}-reason`}>Reason (kept in the record)</label>
      <textarea id={`${uid}-reason`} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required />
      <button type="submit" disabled={busy}>
        Withdraw this story
      </button>
    </form>
  );
}
