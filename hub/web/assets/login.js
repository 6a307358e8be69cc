import { api, T } from '/assets/common.js';

document.title = `${T.common.signIn} · ${T.common.appName}`;
document.getElementById('app-name').textContent = T.common.appName;
document.getElementById('title').textContent = T.common.signIn;
document.getElementById('username-label').textContent = T.common.username;
document.getElementById('password-label').textContent = T.common.password;
document.getElementById('submit').textContent = T.common.signIn;

const form = /** @type {HTMLFormElement} */ (document.getElementById('sign-in'));
const error = document.getElementById('error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.className = 'notice error hidden';
  try {
    const account = await api('POST', '/api/session', {
      username: form.username.value.trim(),
      password: form.password.value,
    });
    const next = new URLSearchParams(location.search).get('next');
    // Only a path on this hub, never another site.
    const target =
      next?.startsWith('/') && !next.startsWith('//')
        ? next
        : account.role === 'admin'
          ? '/admin'
          : '/console';
    location.href = target;
  } catch (e) {
    error.textContent = e instanceof Error ? e.message : String(e);
    error.className = 'notice error';
  }
});
document.getElementById('username').focus();
