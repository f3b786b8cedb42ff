import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { followEvents } from '../api/live';
import { can, STATUSES, type Status, type Summary } from '../api/model';
import { asProblem, explain } from '../api/problem';
import { Link } from '../components/Link';
import { Notice } from '../components/Notice';
import { useMe } from '../context';
import { when } from '../format';

const PAGE = 20;
interface Filter {
  status: Status | '';
  author: string;
  q: string;
}

/** The story list: newest first, by status and author, with search; it follows the live event feed. */
export function StoryList() {
  const me = useMe();
  const allowed = can(me);
  const id = useId();
  const [form, setForm] = useState<Filter>({ status: '', author: '', q: '' });
  const [filter, setFilter] = useState<Filter>(form);
  const [pages, setPages] = useState<string[]>([]); // cursors of the pages before this one
  const [cursor, setCursor] = useState<string | undefined>();
  const [items, setItems] = useState<Summary[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [news, setNews] = useState('');
  const [live, setLive] = useState(false);

  const latest = useRef(0);
  const load = useCallback(async () => {
    const request = ++latest.current;
    const query: Record<string, string | number> = { limit: PAGE };
    if (filter.status) query.status = filter.status;
    if (filter.author.trim()) query.author = filter.author.trim();
    if (filter.q.trim()) query.q = filter.q.trim();
    if (cursor) query.cursor = cursor;
    const { data, error: err, response } = await api.GET('/articles', { params: { query: query as never } });
    // A slower, older request (the first load, a poll) must not replace the answer to a newer search.
    if (request !== latest.current) return;
    if (!response.ok) return setError(explain(asProblem(err, response), 'list stories'));
    setError('');
    const page = data!;
    setItems(page.items);
    setNext(page.nextCursor);
  }, [filter, cursor]);

  useEffect(() => {
    void load();
  }, [load]);

  // Someone else's change shows up without a reload: the event feed where the role may read it, else a slow poll.
  const reload = useRef(load);
  reload.current = load;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = (text: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        setNews(text);
        void reload.current();
      }, 250);
    };
    if (!allowed.audit) {
      const poll = setInterval(() => void reload.current(), 15000);
      return () => clearInterval(poll);
    }
    const stop = followEvents((e) => soon(`Updated just now: ${e.metadata.username ?? 'someone'} — ${e.type}.`), setLive);
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [allowed.audit]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setPages([]);
    setCursor(undefined);
    setFilter(form);
  };

  return (
    <section aria-labelledby={`${id}-h`}>
      <h1 id={`${id}-h`}>Stories</h1>
      <form className="filters" role="search" onSubmit={search}>
        <div>
          <label htmlFor={`${id}-q`}>Search</label>
          <input id={`${id}-q`} type="search" value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} placeholder="Words in the headline, text, bylines…" />
        </div>
        <div>
          <label htmlFor={`${id}-s`}>Status</label>
          <select id={`${id}-s`} value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value as Status | '' })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-a`}>Author</label>
          <input id={`${id}-a`} value={form.author} onChange={(e) => setForm({ ...form, author: e.target.value })} />
        </div>
        <button type="submit">Show</button>
      </form>
      <p className="muted small" aria-live="polite">
        {allowed.audit ? (live ? 'Live: changes by others appear here as they happen.' : 'Connecting to the live feed…') : 'This list refreshes every 15 seconds.'} {news}
      </p>
      <Notice kind="error">{error}</Notice>
      {items && items.length === 0 && <p>No story matches.</p>}
      {items && items.length > 0 && (
        <ul className="stories">
          {items.map((s) => (
            <li key={s.id} className="story">
              <div className="story-head">
                <span className={`badge badge-${s.status}`}>{s.status}</span>
                <Link to={allowed.write && (s.status === 'draft' || s.status === 'approved') ? `/stories/${s.id}/edit` : allowed.audit ? `/stories/${s.id}/history` : `/stories/${s.id}/edit`} lang={s.language} className="headline">
                  {s.headline}
                </Link>
              </div>
              {s.snippet && <Snippet snippet={s.snippet} lang={s.language} />}
              <p className="muted small">
                version {s.version} · updated {when(s.updatedAt)}
              </p>
              <div className="row actions">
                {allowed.write && (s.status === 'draft' || s.status === 'approved') && <Link to={`/stories/${s.id}/edit`}>Edit</Link>}
                {allowed.approve && s.status === 'draft' && <Link to={`/stories/${s.id}/approve`}>Review and approve</Link>}
                {allowed.publish && s.status !== 'draft' && <Link to={`/stories/${s.id}/publish`}>Publishing</Link>}
                {allowed.audit && <Link to={`/stories/${s.id}/history`}>History</Link>}
                {(s.status === 'published') && (
                  <a href={`/news/${s.id}`} target="_blank" rel="noopener">
                    Public page
                  </a>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <nav className="row" aria-label="Pages">
        <button type="button" disabled={!pages.length} onClick={() => {
          setCursor(pages[pages.length - 1] || undefined);
          setPages(pages.slice(0, -1));
        }}>
          Newer
        </button>
        <button type="button" disabled={!next} onClick={() => {
          setPages([...pages, cursor ?? '']);
          setCursor(next ?? undefined);
        }}>
          Older
        </button>
      </nav>
    </section>
  );
}

/** The search snippet as text, its matches marked: the offsets come from the API, the text is never read as HTML. */
function Snippet({ snippet, lang }: { snippet: NonNullable<Summary['snippet']>; lang: string }) {
  const parts: (string | { mark: string })[] = [];
  let at = 0;
  for (const { start, end } of snippet.highlights) {
    if (start > at) parts.push(snippet.text.slice(at, start));
    parts.push({ mark: snippet.text.slice(start, end) });
    at = end;
  }
  parts.push(snippet.text.slice(at));
  return (
    <p className="snippet">
      <span className="muted">{snippet.field}: </span>
      <span lang={lang}>{parts.map((p, i) => (typeof p === 'string' ? p : <mark key={i}>{p.mark}</mark>))}</span>
    </p>
  );
}
