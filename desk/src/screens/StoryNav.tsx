import { can, type Article } from '../api/model';
import { Link } from '../components/Link';
import { useMe } from '../context';

/** The screens of one story, as far as the user's roles go. */
export function StoryNav({ article, current }: { article: Pick<Article, 'id' | 'status' | 'headline' | 'language'>; current: string }) {
  const allowed = can(useMe());
  const links: [string, string, boolean][] = [
    ['edit', allowed.write ? 'Write' : 'Story', true],
    ['approve', 'Approve', allowed.approve && article.status === 'draft'],
    // Approvers review proposed corrections on the publishing screen.
    ['publish', 'Publishing', allowed.publish || (allowed.approve && article.status === 'published')],
    ['history', 'History', allowed.audit],
  ];
  return (
    <nav className="story-nav" aria-label="This story">
      <p className="story-title" lang={article.language}>
        {article.headline}
      </p>
      <ul className="row">
        {links
          .filter(([, , show]) => show)
          .map(([path, label]) => (
            <li key={path}>
              <Link to={`/stories/${article.id}/${path}`} aria-current={path === current ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        {(article.status === 'published') && (
          <li>
            <a href={`/news/${article.id}`} target="_blank" rel="noopener">
              Public page
            </a>
          </li>
        )}
      </ul>
    </nav>
  );
}
