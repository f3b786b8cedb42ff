import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { Article, AuditEntry } from '../api/model';
import { asProblem, explain } from '../api/problem';
import { ArticleView } from '../components/ArticleView';
import { DiffView } from '../components/DiffView';
import { Notice } from '../components/Notice';
import { when } from '../format';
import { StoryNav } from './StoryNav';

/** History: the audit trail in human terms with field diffs, and the story exactly as it stood at any version. */
export default function History({ id }: { id: string }) {
  const uid = useId();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [current, setCurrent] = useState<Article | null>(null);
  const [version, setVersion] = useState(0);
  const [past, setPast] = useState<Article | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    void (async () => {
      const got = await api.GET('/articles/{id}', { params: { path: { id } } });
      if (!got.response.ok) return setError(explain(asProblem(got.error, got.response), 'read this story'));
      const history = await api.GET('/articles/{id}/history', { params: { path: { id } } });
      if (!history.response.ok) return setError(explain(asProblem(history.error, history.response), 'read the history'));
      const a = got.data!;
      setCurrent(a);
      setEntries(history.data as unknown as AuditEntry[]);
      setVersion(a.version);
    })();
  }, [id]);

  useEffect(() => {
    if (!version) return;
    let live = true;
    void api.GET('/articles/{id}', { params: { path: { id }, query: { version } } }).then(({ data, response }) => {
      if (live && response.ok) setPast(data!);
    });
    return () => {
      live = false;
    };
  }, [id, version]);

  if (!current || !entries) return error ? <Notice kind="error">{error}</Notice> : <p className="loading">Loading…</p>;
  const at = entries.find((e) => e.version === version);

  return (
    <section aria-labelledby={`${uid}-h`}>
      <StoryNav article={current} current="history" />
      <h1 id={`${uid}-h`}>History</h1>
      <div className="panel">
        <label htmlFor={`${uid}-v`}>
          The story as it stood at version {version} of {current.version}
          {at && `: ${at.summary}, ${when(at.at)}`}
        </label>
        <input id={`${uid}-v`} type="range" min={1} max={current.version} value={version} onChange={(e) => setVersion(Number(e.target.value))} />
        {past && past.version === version && (
          <>
            <p>
              Status then: <span className={`badge badge-${past.status}`}>{past.status}</span>
            </p>
            <ArticleView article={past} />
          </>
        )}
      </div>
      <h2>Audit trail</h2>
      <ol className="trail">
        {entries.map((e) => (
          <li key={e.position}>
            <p>
              <strong>Version {e.version}</strong> · {when(e.at)} · {e.actor.username} <span className="muted">({e.actor.roles.join(', ')})</span>
            </p>
            <p>{e.summary}</p>
            <details>
              <summary>What changed</summary>
              <DiffView changes={e.changes} />
            </details>
            <button type="button" onClick={() => setVersion(e.version)}>
              Show version {e.version} as it stood
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
