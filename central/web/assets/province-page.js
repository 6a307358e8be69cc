// What both province pages share: the centre's texts, "{name}" filling, the
// header (province name, page title, sign-out) and the start behind a
// signed-in account.
import { $, api, currentAccount, site, T, toSignIn } from '/assets/common.js';

export const C = T.central;

/**
 * @param {string} text
 * @param {Record<string, string | number | null | undefined>} values
 */
export const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ''));

/**
 * Draw the header, then run `start` once an account is signed in (without
 * one, go to the sign-in page).
 * @param {string} title
 * @param {() => Promise<void>} start
 */
export async function provincePage(title, start) {
  document.title = `${title} · ${C.appName}`;
  $('province').textContent = site.name;
  $('page-title').textContent = title;
  $('sign-out').textContent = C.signOut;
  $('sign-out').addEventListener('click', async () => {
    try {
      await api('DELETE', '/api/session');
    } finally {
      toSignIn();
    }
  });
  const me = await currentAccount().catch(() => null);
  if (!me) return toSignIn();
  $('who').textContent = fmt(C.signedInAs, { name: me.displayName });
  await start();
}
