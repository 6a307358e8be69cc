// What both province pages share: the centre's texts, "{name}" filling, the
// header (province name, page title, links to the other pages, who is signed
// in, sign-out), the page's fixed texts and the start behind a signed-in
// account.
import { $, $1, api, applyTexts, currentAccount, fill, h, site, T, toSignIn } from '/assets/common.js';

export const C = T.central;

/**
 * @param {string} text
 * @param {Record<string, string | number | null | undefined>} values
 */
export const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ''));

/**
 * Draw the header and the page's fixed texts (data-text="central.…"), then
 * run `start` once an account is signed in (without one, go to the sign-in
 * page).
 * @param {{ title: string, links: { href: string, text: string }[], live?: boolean }} page
 *   `live`: a mark (#live) beside the links, for the page's event feed to fill
 * @param {() => Promise<void>} start
 */
export async function provincePage({ title, links, live = false }, start) {
  document.title = `${title} · ${C.appName}`;
  applyTexts();
  const signOut = async () => {
    try {
      await api('DELETE', '/api/session');
    } finally {
      toSignIn();
    }
  };
  fill(
    $1('header.top'),
    h('h1', {}, h('span', { id: 'province' }, site.name), ' · ', h('span', { id: 'page-title' }, title)),
    h(
      'nav',
      { class: 'links' },
      links.map((l) => h('a', { href: l.href }, l.text)),
    ),
    live ? h('span', { id: 'live', class: 'live' }) : null,
    h('span', { id: 'who' }),
    h('button', { id: 'sign-out', type: 'button', onclick: signOut }, C.signOut),
  );
  const me = await currentAccount().catch(() => null);
  if (!me) return toSignIn();
  $('who').textContent = fmt(C.signedInAs, { name: me.displayName });
  await start();
}
