/**
 * How bylines and photo credits are printed, by the article's language. Pure; plain text out (callers escape).
 *
 * Chinese (zh-*) follows the seed article: `(廣西雲-廣西日報記者 許丹婷 劉冬蓮)` and `廣西雲-廣西日報記者徐天保/攝`,
 * in Traditional characters for zh-Hant (and zh-TW/HK/MO), Simplified for zh-Hans and other zh tags.
 * Every other language gets the English form: `By 許丹婷 and 劉冬蓮, 廣西雲-廣西日報`, `Photo: 徐天保 / 廣西雲-廣西日報`.
 */

export interface BylineLike {
  name: string;
  role?: string | null;
  organisation?: string | null;
}

export interface PhotoCreditLike {
  photographer: string;
  organisation?: string | null;
  line?: string | null;
}

export type ChineseScript = 'Hant' | 'Hans';

/** The Chinese script a language tag asks for, or null when the language is not Chinese. */
export function chineseScript(lang: string | null | undefined): ChineseScript | null {
  const tag = String(lang ?? '').toLowerCase();
  const m = /^(zh|cmn|yue)(?:-|$)/.exec(tag);
  if (!m) return null;
  if (/-hans(?:-|$)/.test(tag)) return 'Hans';
  if (/-hant(?:-|$)/.test(tag) || /-(tw|hk|mo)(?:-|$)/.test(tag) || m[1] === 'yue') return 'Hant';
  return 'Hans';
}

/** Job titles as Chinese papers print them before the names; a byline without a role is a reporter. */
const ZH_TITLES: Record<ChineseScript, Record<string, string>> = {
  Hant: { reporter: '記者', correspondent: '通訊員', editor: '編輯', translator: '翻譯', photographer: '攝影記者' },
  Hans: { reporter: '记者', correspondent: '通讯员', editor: '编辑', translator: '翻译', photographer: '摄影记者' },
};
const ZH_PHOTOGRAPHED: Record<ChineseScript, string> = { Hant: '攝', Hans: '摄' };

/** Groups in order of first appearance, keyed by `key`. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

/** "A", "A and B", "A, B and C". */
function englishList(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const clean = (s: string | null | undefined) => (s ?? '').trim();

export function printByline(bylines: readonly BylineLike[], lang: string): string {
  const people = bylines.filter((b) => clean(b.name));
  if (!people.length) return '';
  const script = chineseScript(lang);
  if (script) {
    const title = (b: BylineLike) => {
      const role = clean(b.role).toLowerCase();
      return role ? (ZH_TITLES[script][role] ?? '') : ZH_TITLES[script].reporter;
    };
    const groups = groupBy(people, (b) => `${clean(b.organisation)}\u0000${title(b)}`);
    const printed = groups.map((g) => {
      const prefix = `${clean(g[0].organisation)}${title(g[0])}`;
      const names = g.map((b) => clean(b.name)).join(' ');
      return prefix ? `${prefix} ${names}` : names;
    });
    return `(${printed.join(' ')})`;
  }
  const groups = groupBy(people, (b) => clean(b.organisation));
  const printed = groups.map((g) => {
    const org = clean(g[0].organisation);
    const names = englishList(g.map((b) => clean(b.name)));
    return org ? `${names}, ${org}` : names;
  });
  return `By ${printed.join('; ')}`;
}

export function printPhotoCredit(credit: PhotoCreditLike, lang: string): string {
  const photographer = clean(credit.photographer);
  const org = clean(credit.organisation);
  const script = chineseScript(lang);
  if (script) {
    const line = clean(credit.line);
    if (line) return line;
    return `${org ? `${org}${ZH_TITLES[script].reporter}` : ''}${photographer}/${ZH_PHOTOGRAPHED[script]}`;
  }
  return `Photo: ${photographer}${org ? ` / ${org}` : ''}`;
}
