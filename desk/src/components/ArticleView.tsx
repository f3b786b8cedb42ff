import type { Article } from '../api/model';

/** The story as it stands (or stood): what an approver or a historian reads. */
export function ArticleView({ article }: { article: Article }) {
  return (
    <article className="preview" lang={article.language}>
      <h3>{article.headline}</h3>
      {article.summary && <p className="summary">{article.summary}</p>}
      {article.bylines.length > 0 && <p className="muted">By {article.bylines.map((b) => [b.name, b.role, b.organisation].filter(Boolean).join(', ')).join('; ')}</p>}
      {article.body.map((b, i) =>
        b.type === 'heading' ? <h4 key={i}>{b.text}</h4> : b.type === 'quote' ? <blockquote key={i}>{b.text}</blockquote> : <p key={i}>{b.text}</p>,
      )}
      {article.photos.map((p) => (
        <p key={p.id} className="muted">
          Photo: {p.caption} — {p.credit.line ?? p.credit.photographer} (<span className="href">{p.href}</span>)
        </p>
      ))}
    </article>
  );
}
