// The console's shell: sign-in, the navigation and a hash router (#/devices/0021f2000001).
// Every screen is a module of views/ with render(main, route) that may answer a cleanup.
import { currentSession, signIn, signOut, whenSignedOut } from './api.js';
import { fill, h, field } from './dom.js';
import { currentRoute } from './route.js';
import { errorBox, notify } from './ui.js';

const ROUTES = [
  [/^\/?$/, () => import('./views/overview.js')],
  [/^\/devices$/, () => import('./views/devices.js')],
  [/^\/devices\/([0-9a-f]{12})$/, () => import('./views/device.js')],
  [/^\/profiles$/, () => import('./views/profiles.js')],
  [/^\/profiles\/([^/]+)$/, () => import('./views/profile.js')],
  [/^\/firmware$/, () => import('./views/firmware.js')],
  [/^\/phonebooks$/, () => import('./views/phonebooks.js')],
  [/^\/files$/, () => import('./views/files.js')],
  [/^\/pending$/, () => import('./views/pending.js')],
  [/^\/events$/, () => import('./views/events.js')],
  [/^\/security$/, () => import('./views/security.js')],
  [/^\/bulk$/, () => import('./views/bulk.js')],
];

const main = document.getElementById('main');
const header = document.querySelector('header.top');
let cleanup;
let signedIn = false;
/** Counts the screens asked for: a render that finishes after the next began is dropped. */
let shown = 0;

async function show() {
  if (!signedIn) return;
  const mine = ++shown;
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  const { path, params } = currentRoute();
  for (const link of document.querySelectorAll('nav a')) {
    const target = link.getAttribute('href').slice(1);
    const current =
      target === '/' ? path === '/' : path === target || path.startsWith(`${target}/`);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  if (!route) {
    fill(
      main,
      h('h1', {}, 'Not found'),
      h('p', {}, 'This page does not exist. ', h('a', { href: '#/' }, 'Go to the overview.')),
    );
    return;
  }
  const match = route[0].exec(path);
  // Each screen renders into an element of its own: one left behind by a quicker click
  // writes into a detached element, never into the screen that replaced it.
  const screen = h('div', { class: 'screen' });
  try {
    const view = await route[1]();
    if (mine !== shown) return;
    fill(main, screen);
    const ended = await view.render(screen, {
      path,
      params,
      match: match.slice(1).map(decodeURIComponent),
    });
    // Superseded while it rendered: its streams and timers end now, not with the next screen.
    if (mine !== shown || !signedIn) {
      if (typeof ended === 'function') ended();
      return;
    }
    cleanup = ended;
  } catch (error) {
    if (mine === shown) fill(main, errorBox(error));
  }
}

function showSignIn(message) {
  signedIn = false;
  shown += 1;
  header.hidden = true;
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  document.title = 'Sign in · plugndial';
  const token = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
    spellcheck: 'false',
  });
  const slot = h('div');
  const form = h(
    'form',
    {
      class: 'sign-in card',
      async onsubmit(event) {
        event.preventDefault();
        fill(slot);
        try {
          await signIn(token.value);
          token.value = '';
          enter();
        } catch (error) {
          fill(slot, errorBox(error));
          token.focus();
        }
      },
    },
    h('h1', {}, 'plugndial console'),
    message ? h('p', { class: 'notice warn', role: 'status' }, message) : null,
    field('Admin token', token, 'The text in <data dir>/admin-token on the server.'),
    slot,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  fill(main, form);
  token.focus();
}

function enter() {
  signedIn = true;
  header.hidden = false;
  show();
}

whenSignedOut((message) => {
  if (signedIn) showSignIn(`Signed out: ${message}`);
});

document.querySelector('.sign-out').addEventListener('click', async () => {
  await signOut();
  showSignIn('You are signed out.');
  notify('Signed out.');
});

const menu = document.querySelector('.menu');
menu.addEventListener('click', () => {
  const open = menu.getAttribute('aria-expanded') !== 'true';
  menu.setAttribute('aria-expanded', String(open));
  document.getElementById('nav').classList.toggle('open', open);
});
document.getElementById('nav').addEventListener('click', (event) => {
  if (event.target.closest('a')) {
    menu.setAttribute('aria-expanded', 'false');
    document.getElementById('nav').classList.remove('open');
  }
});

window.addEventListener('hashchange', () => {
  show();
  main.focus({ preventScroll: true });
});

const session = await currentSession().catch(() => undefined);
if (session) enter();
else showSignIn();
