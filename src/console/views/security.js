// Security events: blocked addresses, refused sign-ins, credential rotations, limits reached.
import { get, query } from '../api.js';
import { fill, h, macText, time, field } from '../dom.js';
import { liveEvents } from '../live.js';
import { attempt, heading } from '../ui.js';

const HEADERS = ['Time', 'Kind', 'Device', 'Address', 'Detail'];

function row(event) {
  return h(
    'tr',
    {},
    h('td', { 'data-label': 'Time' }, time(event.at)),
    h('td', { 'data-label': 'Kind' }, event.kind),
    h(
      'td',
      { 'data-label': 'Device' },
      event.mac
        ? h('a', { href: `#/devices/${event.mac}`, class: 'mono' }, macText(event.mac))
        : '',
    ),
    h('td', { 'data-label': 'Address' }, event.address ?? ''),
    h('td', { 'data-label': 'Detail' }, event.detail ?? ''),
  );
}

export async function render(main, route) {
  const mac = h('input', {
    type: 'text',
    value: route.params.get('mac') ?? '',
    spellcheck: 'false',
  });
  const kind = h('input', {
    type: 'text',
    value: route.params.get('kind') ?? '',
    placeholder: 'address-blocked',
    spellcheck: 'false',
  });
  const tail = h('input', { type: 'checkbox', checked: true });
  const slot = h('div');
  const body = h('tbody');
  const state = h('span', { class: 'muted', role: 'status' });
  main.append(
    heading('Security events'),
    h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (e) => {
          e.preventDefault();
          load();
        },
      },
      field('Device', mac),
      field('Kind', kind),
      h('label', { class: 'check' }, tail, ' Live tail'),
      h('button', { type: 'submit' }, 'Filter'),
      state,
    ),
    slot,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, 'Security events, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            HEADERS.map((x) => h('th', { scope: 'col' }, x)),
          ),
        ),
        body,
      ),
    ),
  );
  let rows = [];
  let stop = () => {};
  const wanted = (event) => !kind.value.trim() || event.kind === kind.value.trim();
  const show = () =>
    fill(
      body,
      rows.length
        ? rows.filter(wanted).map(row)
        : h('tr', {}, h('td', { colspan: HEADERS.length, class: 'muted' }, 'No security event.')),
    );
  async function load() {
    const m = mac.value.replace(/[\s:.-]/g, '').toLowerCase() || undefined;
    rows =
      (await attempt(slot, () => get(`/security-events${query({ mac: m, limit: 200 })}`))) ?? [];
    show();
    stop();
    stop = tail.checked
      ? liveEvents(
          m ? { mac: m } : {},
          (k, event) => {
            if (k !== 'security') return;
            rows.unshift(event);
            show();
          },
          (s) => (state.textContent = s === 'open' ? 'Live.' : `Live tail ${s}.`),
        )
      : () => {};
  }
  tail.addEventListener('change', load);
  await load();
  return () => stop();
}
