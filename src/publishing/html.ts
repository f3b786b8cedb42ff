import type { Block } from '../articles/domain/article';

/**
 * Escaping for the publishing renderers. Every piece of article text reaches HTML, XML or JSON-LD through one of
 * these, never by concatenation of raw text.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Escaped text with its line breaks kept as <br> (copyright notices, multi-line notes). */
export function escapeHtmlLines(text: string): string {
  return String(text)
    .split(/\r\n|\r|\n/)
    .map(escapeHtml)
    .join('<br>\n');
}

/** Only http(s) URLs become links or image sources; anything else (javascript:, data:...) is dropped. */
export function safeHttpUrl(href: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const url = new URL(href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/** The body blocks as an HTML fragment: paragraph → p, heading → h2, quote → blockquote. */
export function renderBlocks(blocks: readonly Block[], indent = ''): string {
  return blocks
    .map((b) => {
      switch (b.type) {
        case 'heading':
          return `${indent}<h2>${escapeHtml(b.text)}</h2>`;
        case 'quote':
          return `${indent}<blockquote><p>${escapeHtmlLines(b.text)}</p></blockquote>`;
        default:
          return `${indent}<p>${escapeHtmlLines(b.text)}</p>`;
      }
    })
    .join('\n');
}

/** The body blocks as plain text, one block per paragraph. */
export function blocksAsText(blocks: readonly Block[]): string {
  return blocks.map((b) => b.text).join('\n\n');
}

/**
 * JSON for a <script type="application/ld+json"> element: `<`, `>` and `&` become \u escapes so no text
 * (`</script>`, `<!--`) can end the element early; U+2028/2029 are escaped for old JavaScript parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
