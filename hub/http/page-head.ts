// Every page starts the same way (doctype, language, character set, screen
// width, title, style sheets, one module script); only the title, the style
// sheets and the script differ. A page names those in one line in place of
// its <head> element,
//
//   <!--#head title="Báo cáo" css="style reports" js="reports"-->
//
// and the head is written from it here, once, when the pages are
// read at start: what is served is plain HTML with its own ETag, the same
// caching as a file on disk, and a page with no such line is served as it is.

/** The attributes a head line may carry; anything else is a mistake in the page. */
const KEYS = ['title', 'css', 'js', 'viewport', 'theme', 'icon'] as const;
type HeadKey = (typeof KEYS)[number];

const LINE = /^<!--#head((?:\s+[a-z]+="[^"]*")*)\s*-->\n/m;
const ATTRIBUTE = /([a-z]+)="([^"]*)"/g;
const ASSET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Screen width as the phone or desktop browser has it; the guide's kiosk screen also forbids zooming. */
const VIEWPORTS: Record<string, string> = {
  page: 'width=device-width, initial-scale=1',
  kiosk: 'width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no',
};

/** Text for an HTML attribute or element (the pages' own values, escaped all the same). */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function assetNames(value: string, file: string): string[] {
  const names = value.split(/\s+/).filter(Boolean);
  for (const n of names) if (!ASSET_NAME.test(n)) throw new Error(`${file}: bad asset name "${n}" in #head`);
  return names;
}

/**
 * The page with its `<!--#head …-->` line written out as its `<head>`
 * element. Throws, naming the file, on a head line it
 * cannot read, so a broken page stops the program at start, not at a visit.
 */
export function expandHead(html: string, file: string): string {
  const at = html.indexOf('<!--#head');
  if (at < 0) return html;
  const line = LINE.exec(html);
  if (!line || line.index !== at) throw new Error(`${file}: unreadable #head line`);
  if (html.includes('<!--#head', at + 1)) throw new Error(`${file}: more than one #head line`);
  const given: Partial<Record<HeadKey, string>> = {};
  for (const [, key, value] of line[1]!.matchAll(ATTRIBUTE)) {
    if (!(KEYS as readonly string[]).includes(key!))
      throw new Error(`${file}: unknown #head attribute ${key}`);
    given[key as HeadKey] = value!;
  }
  if (!given.title) throw new Error(`${file}: #head needs a title`);
  const viewport = VIEWPORTS[given.viewport ?? 'page'];
  if (!viewport) throw new Error(`${file}: #head viewport is one of ${Object.keys(VIEWPORTS).join(', ')}`);
  if (given.icon !== undefined && given.icon !== 'none')
    throw new Error(`${file}: #head icon can only be "none"`);
  if (given.theme !== undefined && !/^#[0-9a-f]{6}$/i.test(given.theme))
    throw new Error(`${file}: #head theme is a colour #rrggbb`);

  const head = [
    '<head>',
    '  <meta charset="utf-8">',
    `  <meta name="viewport" content="${viewport}">`,
    given.theme ? `  <meta name="theme-color" content="${given.theme}">` : null,
    `  <title>${escapeHtml(given.title)}</title>`,
    // No favicon request at all (the kiosk's relay would refuse one).
    given.icon === 'none' ? '  <link rel="icon" href="data:,">' : null,
    ...assetNames(given.css ?? '', file).map((n) => `  <link rel="stylesheet" href="/assets/${n}.css">`),
    ...assetNames(given.js ?? '', file).map((n) => `  <script type="module" src="/assets/${n}.js"></script>`),
    '</head>',
  ];
  return `${html.slice(0, at)}${head.filter((l) => l !== null).join('\n')}\n${html.slice(at + line[0].length)}`;
}
