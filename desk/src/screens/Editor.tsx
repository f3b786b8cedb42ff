import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { api, ifMatch, looseBody } from '../api/client';
import { changesBetween } from '../api/diff';
import { followEvents } from '../api/live';
import { can, type Article, type Change } from '../api/model';
import { asProblem, explain } from '../api/problem';
import { BlocksEditor, withKeys, withoutKeys, type EditableBlock } from '../components/BlocksEditor';
import { DiffView } from '../components/DiffView';
import { Link } from '../components/Link';
import { Notice } from '../components/Notice';
import { useMe } from '../context';
import { navigate } from '../router';
import { StoryNav } from './StoryNav';

const LANGUAGES = ['zh-Hant', 'zh-Hans', 'en', 'en-GB', 'vi', 'th', 'ja', 'ko', 'id', 'ms', 'fr', 'de', 'es'];
const TEXT_FIELDS = ['headline', 'language', 'source', 'summary'] as const;
type TextField = (typeof TEXT_FIELDS)[number];

interface Draft {
  headline: string;
  language: string;
  source: string;
  summary: string;
  body: EditableBlock[];
}
const toDraft = (a: Article): Draft => ({ headline: a.headline, language: a.language, source: a.source ?? '', summary: a.summary ?? '', body: withKeys(a.body) });
const sameBody = (a: EditableBlock[], b: { type: string; text: string }[]) => JSON.stringify(withoutKeys(a)) === JSON.stringify(b.map(({ type, text }) => ({ type, text })));

/** The fields of the draft that differ from the version they were typed on, as a PATCH body. */
function edits(draft: Draft, base: Article): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of TEXT_FIELDS) {
    const was = f === 'headline' || f === 'language' ? base[f] : (base[f] ?? '');
    if (draft[f] !== was) out[f] = f === 'source' || f === 'summary' ? draft[f] || null : draft[f];
  }
  if (!sameBody(draft.body, base.body)) out.body = withoutKeys(draft.body);
  return out;
}

/** Unsaved edits by story, for this tab only (memory, like the token): navigating away and back loses no typing. */
const unsaved = new Map<string, { base: Article; draft: Draft }>();

interface Conflict {
  theirs: Article;
  changes: Change[];
  /** The fields both people changed: the ones to read before saving again. */
  both: string[];
}

/** Write: a new story, or a story's text, bylines and photo credits. Saving sends If-Match; never a silent overwrite. */
export default function Editor({ id }: { id?: string }) {
  const me = useMe();
  const allowed = can(me);
  const uid = useId();
  const [base, setBase] = useState<Article | null>(null);
  const [draft, setDraft] = useState<Draft>({ headline: '', language: 'zh-Hant', source: '', summary: '', body: withKeys([{ type: 'paragraph', text: '' }]) });
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [error, setError] = useState('');
  const [ok, setOk] = useState('');
  const [busy, setBusy] = useState(false);
  const [elsewhere, setElsewhere] = useState<string>('');

  const load = useCallback(async () => {
    if (!id) return;
    const kept = unsaved.get(id);
    if (kept) {
      // Edits typed earlier in this tab and never saved: back as they were, on the version they were typed on.
      setBase(kept.base);
      setDraft(kept.draft);
      setOk(`Your unsaved edits (on version ${kept.base.version}) are back. Save them, or reload the story to drop them.`);
      return;
    }
    const { data, error: err, response } = await api.GET('/articles/{id}', { params: { path: { id } } });
    if (!response.ok) return setError(explain(asProblem(err, response), 'read this story'));
    const article = data!;
    setBase(article);
    setDraft(toDraft(article));
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  // Tell the writer as soon as someone else saves this story, before they find out on saving.
  useEffect(() => {
    if (!id || !allowed.audit) return;
    return followEvents((e) => {
      if (e.articleId === id && e.metadata.username !== me?.username) setElsewhere(`${e.metadata.username ?? 'Someone'} just changed this story (version ${e.version}). Your text stays here; when you save you will see what they changed.`);
    });
  }, [id, allowed.audit, me?.username]);

  const editable = allowed.write && (!base || base.status === 'draft' || base.status === 'approved');
  const pending = base ? edits(draft, base) : {};
  const dirty = Object.keys(pending).length > 0;

  // Unsaved edits are kept for this tab as they are typed, so leaving the screen loses none; closing or reloading the
  // tab (which would) asks first.
  useEffect(() => {
    if (!id || !base) return;
    if (dirty) unsaved.set(id, { base, draft });
    else unsaved.delete(id);
  }, [id, base, draft, dirty]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const set = (field: TextField, value: string) => setDraft((d) => ({ ...d, [field]: value }));

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const body = { headline: draft.headline, language: draft.language, body: withoutKeys(draft.body), ...(draft.source ? { source: draft.source } : {}), ...(draft.summary ? { summary: draft.summary } : {}) };
    const { data, error: err, response } = await api.POST('/articles', { body: looseBody(body) });
    setBusy(false);
    if (!response.ok) return setError(explain(asProblem(err, response), 'write stories'));
    navigate(`/stories/${data!.id}/edit`, true);
  }

  async function save(e?: FormEvent, onto: Article | null = base) {
    e?.preventDefault();
    if (!base || !onto) return;
    // The edits are what this writer changed from the version they read, never their stale copy of other fields.
    const body = edits(draft, base);
    if (!Object.keys(body).length) return;
    setBusy(true);
    setError('');
    setOk('');
    const { error: err, response } = await api.PATCH('/articles/{id}', { params: { path: { id: base.id }, header: ifMatch(onto.version) }, body });
    if (response.status === 412) {
      const theirs = (await api.GET('/articles/{id}', { params: { path: { id: base.id } } })).data!;
      const changes = await changesBetween(base.id, base, theirs, allowed.audit);
      const changedFields = new Set(changes.map((c) => (c.field.startsWith('body[') ? 'body' : c.field)));
      setConflict({ theirs, changes, both: Object.keys(body).filter((f) => changedFields.has(f)) });
      setBusy(false);
      return;
    }
    if (!response.ok) {
      setBusy(false);
      return setError(explain(asProblem(err, response), 'change this story'));
    }
    const fresh = (await api.GET('/articles/{id}', { params: { path: { id: base.id } } })).data!;
    unsaved.delete(base.id);
    setBase(fresh);
    setDraft(toDraft(fresh));
    setConflict(null);
    setElsewhere('');
    setOk(`Saved as version ${fresh.version}.`);
    setBusy(false);
  }

  async function saveOverTheirs() {
    // This writer's edits, computed against the version they read, saved onto the other person's version: the fields
    // they did not touch keep the other person's text.
    if (conflict) await save(undefined, conflict.theirs);
  }

  function takeTheirs() {
    if (!conflict) return;
    unsaved.delete(conflict.theirs.id);
    setBase(conflict.theirs);
    setDraft(toDraft(conflict.theirs));
    setConflict(null);
    setElsewhere('');
  }

  /** After adding or removing a byline or photo: read the story again without losing the text being typed. */
  async function afterSideCommand(version: number, message: string) {
    if (!base) return;
    const fresh = (await api.GET('/articles/{id}', { params: { path: { id: base.id } } })).data!;
    // Only when nobody else wrote in between does the fresh version become the base for text edits; otherwise the
    // next save is refused (412) and shows what they changed.
    if (!dirty || (fresh.version === version && version === base.version + 1)) {
      setBase(fresh);
      if (!dirty) setDraft(toDraft(fresh));
    } else {
      setBase({ ...base, bylines: fresh.bylines, photos: fresh.photos, status: fresh.status });
    }
    setOk(message);
  }

  if (!id) {
    return (
      <section aria-labelledby={`${uid}-h`}>
        <h1 id={`${uid}-h`}>New story</h1>
        <form onSubmit={create} className="editor">
          <TextFields uid={uid} draft={draft} set={set} />
          <BlocksEditor blocks={draft.body} onChange={(body) => setDraft({ ...draft, body })} />
          <button type="submit" className="primary" disabled={busy}>
            Create draft
          </button>
          <Notice kind="error">{error}</Notice>
        </form>
      </section>
    );
  }
  if (!base) return error ? <Notice kind="error">{error}</Notice> : <p className="loading">Loading…</p>;

  return (
    <section aria-labelledby={`${uid}-h`}>
      <StoryNav article={base} current="edit" />
      <h1 id={`${uid}-h`}>Edit story</h1>
      <p className="muted">
        Version {base.version}, <span className={`badge badge-${base.status}`}>{base.status}</span>
        {base.status === 'approved' && editable && ' — saving a change returns the story to draft: the approval will no longer stand.'}
      </p>
      {!editable && <Notice kind="info">{allowed.write ? `A ${base.status} story changes only through the publishing screen (corrections).` : 'Your role may read stories but not change them.'}</Notice>}
      <Notice kind="info">{elsewhere}</Notice>
      {conflict && (
        <div className="conflict" role="alert" aria-labelledby={`${uid}-c`}>
          <h2 id={`${uid}-c`}>Someone else saved this story first</h2>
          <p>
            Nothing of yours was saved and nothing of yours is lost: your text is still in the form below. Version {conflict.theirs.version} was saved after you opened version {base.version}. Here is what changed:
          </p>
          <DiffView changes={conflict.changes} />
          {conflict.both.length > 0 && (
            <p>
              <strong>You both changed:</strong> {conflict.both.join(', ')}. Saving your edits replaces their text in those fields with yours; read theirs above first.
            </p>
          )}
          <div className="row">
            <button type="button" className="primary" onClick={() => void saveOverTheirs()} disabled={busy}>
              Save my edits on version {conflict.theirs.version}
            </button>
            <button type="button" onClick={takeTheirs}>
              Discard my edits, take their version
            </button>
          </div>
        </div>
      )}
      <form onSubmit={(e) => void save(e)} className="editor">
        <TextFields uid={uid} draft={draft} set={set} disabled={!editable} />
        <BlocksEditor blocks={draft.body} onChange={(body) => setDraft({ ...draft, body })} disabled={!editable} />
        {editable && (
          <div className="row sticky-actions">
            <button type="submit" className="primary" disabled={busy || !dirty || !!conflict}>
              Save
            </button>
            <span className="muted" aria-live="polite">
              {dirty ? `Unsaved changes: ${Object.keys(pending).join(', ')}` : 'No unsaved changes'}
            </span>
          </div>
        )}
        <Notice kind="error">{error}</Notice>
        <Notice kind="ok">{ok}</Notice>
      </form>
      <Bylines article={base} editable={editable} onDone={afterSideCommand} onError={setError} />
      <Photos article={base} editable={editable} onDone={afterSideCommand} onError={setError} />
      {allowed.approve && base.status === 'draft' && (
        <p>
          <Link to={`/stories/${base.id}/approve`}>Review and approve this story</Link>
        </p>
      )}
    </section>
  );
}

function TextFields({ uid, draft, set, disabled }: { uid: string; draft: Draft; set: (f: TextField, v: string) => void; disabled?: boolean }) {
  return (
    <fieldset disabled={disabled} className="fields">
      <legend>Story</legend>
      <label htmlFor={`${uid}-headline`}>Headline</label>
      <textarea id={`${uid}-headline`} rows={2} value={draft.headline} onChange={(e) => set('headline', e.target.value)} required lang={draft.language} />
      <div className="row">
        <div>
          <label htmlFor={`${uid}-language`}>Language (BCP 47 tag)</label>
          <input id={`${uid}-language`} list={`${uid}-languages`} value={draft.language} onChange={(e) => set('language', e.target.value)} required />
          <datalist id={`${uid}-languages`}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
        </div>
        <div className="grow">
          <label htmlFor={`${uid}-source`}>Source</label>
          <input id={`${uid}-source`} value={draft.source} onChange={(e) => set('source', e.target.value)} />
        </div>
      </div>
      <label htmlFor={`${uid}-summary`}>Summary</label>
      <textarea id={`${uid}-summary`} rows={3} value={draft.summary} onChange={(e) => set('summary', e.target.value)} lang={draft.language} />
    </fieldset>
  );
}

type SideProps = { article: Article; editable: boolean; onDone: (version: number, message: string) => Promise<void>; onError: (m: string) => void };

function Bylines({ article, editable, onDone, onError }: SideProps) {
  const uid = useId();
  const [form, setForm] = useState({ name: '', role: '', organisation: '' });
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const body = { name: form.name, ...(form.role ? { role: form.role } : {}), ...(form.organisation ? { organisation: form.organisation } : {}) };
    const { data, error, response } = await api.POST('/articles/{id}/bylines', { params: { path: { id: article.id } }, body: looseBody(body) });
    if (!response.ok) return onError(explain(asProblem(error, response), 'add bylines'));
    setForm({ name: '', role: form.role, organisation: form.organisation });
    await onDone(data!.version, `Byline ${body.name} added.`);
  };
  const remove = async (bylineId: string, name: string) => {
    const { data, error, response } = await api.DELETE('/articles/{id}/bylines/{bylineId}', { params: { path: { id: article.id, bylineId } } });
    if (!response.ok) return onError(explain(asProblem(error, response), 'remove bylines'));
    await onDone(data!.version, `Byline ${name} removed.`);
  };
  return (
    <section className="side" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Bylines</h2>
      {article.bylines.length === 0 ? (
        <p className="muted">No byline yet: a story needs one before it can be approved.</p>
      ) : (
        <ul className="items">
          {article.bylines.map((b) => (
            <li key={b.id}>
              <span>{[b.name, b.role, b.organisation].filter(Boolean).join(', ')}</span>
              {editable && (
                <button type="button" onClick={() => void remove(b.id, b.name)} aria-label={`Remove byline ${b.name}`}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {editable && (
        <form onSubmit={add} className="grid" aria-label="Add a byline">
          <div>
            <label htmlFor={`${uid}-n`}>Person</label>
            <input id={`${uid}-n`} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
          </div>
          <div>
            <label htmlFor={`${uid}-r`}>Role</label>
            <input id={`${uid}-r`} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })} placeholder="reporter" />
          </div>
          <div>
            <label htmlFor={`${uid}-o`}>Organisation</label>
            <input id={`${uid}-o`} value={form.organisation} onChange={(e) => setForm({ ...form, organisation: e.target.value })} />
          </div>
          <button type="submit">Add byline</button>
        </form>
      )}
    </section>
  );
}

function Photos({ article, editable, onDone, onError }: SideProps) {
  const uid = useId();
  const empty = { href: '', caption: '', photographer: '', organisation: '', line: '' };
  const [form, setForm] = useState(empty);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const credit = { photographer: form.photographer, ...(form.organisation ? { organisation: form.organisation } : {}), ...(form.line ? { line: form.line } : {}) };
    const { data, error, response } = await api.POST('/articles/{id}/photos', { params: { path: { id: article.id } }, body: looseBody({ href: form.href, caption: form.caption, credit }) });
    if (!response.ok) return onError(explain(asProblem(error, response), 'add photos'));
    setForm(empty);
    await onDone(data!.version, 'Photo credit added.');
  };
  const remove = async (photoId: string) => {
    const { data, error, response } = await api.DELETE('/articles/{id}/photos/{photoId}', { params: { path: { id: article.id, photoId } } });
    if (!response.ok) return onError(explain(asProblem(error, response), 'remove photos'));
    await onDone(data!.version, 'Photo removed.');
  };
  const field = (key: keyof typeof empty, label: string, required = false, type = 'text') => (
    <div>
      <label htmlFor={`${uid}-${key}`}>{label}</label>
      <input id={`${uid}-${key}`} type={type} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} required={required} />
    </div>
  );
  return (
    <section className="side" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Photos and credits</h2>
      {article.photos.length === 0 ? (
        <p className="muted">No photo.</p>
      ) : (
        <ul className="items">
          {article.photos.map((p) => (
            <li key={p.id}>
              <span>
                {p.caption} — {p.credit.line ?? p.credit.photographer}
              </span>
              {editable && (
                <button type="button" onClick={() => void remove(p.id)} aria-label={`Remove photo ${p.caption}`}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {editable && (
        <form onSubmit={add} className="grid" aria-label="Add a photo credit">
          {field('href', 'Link to the photo', true, 'url')}
          {field('caption', 'Caption', true)}
          {field('photographer', 'Creator (photographer)', true)}
          {field('organisation', 'Organisation')}
          {field('line', 'Credit line')}
          <button type="submit">Add photo</button>
        </form>
      )}
    </section>
  );
}
