/**
 * Plain text from HTML, for messages without a text/plain part. Deliberately small: tags are
 * dropped (block tags become line breaks), script/style/comments vanish, common entities are
 * decoded. Every step is an indexOf scan or a regex without nested quantifiers, so hostile
 * HTML (unclosed `<`, endless comments) costs linear time; rules need the words, not layout.
 */

const BLOCK_TAGS: ReadonlySet<string> = new Set([
  'br', 'p', 'div', 'tr', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'blockquote', 'hr', 'pre', 'section', 'article', 'header', 'footer', 'title', 'dt', 'dd',
]);
const CELL_TAGS: ReadonlySet<string> = new Set(['td', 'th']);
/** Elements whose content is not text. */
const RAW_TAGS: ReadonlySet<string> = new Set(['script', 'style', 'head']);

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', euro: '€',
  bull: '•', middot: '·', laquo: '«', raquo: '»', shy: '',
};

const ENTITY = /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});/g;

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (whole, body: string) => {
    if (body[0] !== '#') return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    return valid ? String.fromCodePoint(code) : '\uFFFD';
  });
}

/** The lower-case tag name at `i` (just after `<` or `</`). */
function tagName(html: string, i: number): string {
  let j = i;
  while (j < html.length) {
    const c = html.charCodeAt(j) | 0x20;
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39 && j > i))) break;
    j++;
  }
  return html.slice(i, j).toLowerCase();
}

export function htmlToText(html: string): string {
  const parts: string[] = [];
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      parts.push(decodeEntities(html.slice(i)));
      break;
    }
    if (lt > i) parts.push(decodeEntities(html.slice(i, lt)));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end === -1 ? n : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt === -1) {
      // an unclosed '<' is text, and no later tag can close either
      parts.push(decodeEntities(html.slice(lt)));
      break;
    }
    const closing = html[lt + 1] === '/';
    const name = tagName(html, closing ? lt + 2 : lt + 1);
    i = gt + 1;
    if (!closing && RAW_TAGS.has(name)) {
      // skip to the matching end tag; a case-insensitive literal search is linear
      const endTag = new RegExp(`</${name}\\s*>`, 'gi');
      endTag.lastIndex = i;
      const m = endTag.exec(html);
      i = m ? m.index + m[0].length : n;
      continue;
    }
    if (BLOCK_TAGS.has(name)) parts.push('\n');
    else if (CELL_TAGS.has(name)) parts.push(' ');
  }
  return parts
    .join('')
    .replace(/[ \t\f\v\r\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
