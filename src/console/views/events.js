// Provisioning events with filters, and a live tail that adds each event as it is recorded.
import { get, query } from '../api.js';
import { fill, h, macText, time, field } from '../dom.js';
import { liveEvents } from '../live.js';
import { replaceQuery } from '../route.js';
import { attempt, behindNotice, heading } from '../ui.js';

export const EVENT_HEADERS = [
  'Time',
  'Device',
  'File',
  'Door',
  'Status',
  'Reason',
  'Address',
  'Bytes',
];

export function eventRow(event) {
  const failed = event.status >= 400 || String(event.reason ?? '').startsWith('transfer-fault');
  return h(
    'tr',
    { class: failed ? 'failed' : null },
    h('td', { 'data-label': 'Time' }, time(event.at)),
    h(
      'td',
      { 'data-label': 'Device' },
      // A MAC no device has is shown, not linked: its device page does not exist.
      !event.mac
        ? h('span', { class: 'muted' }, 'unknown')
        : event.reason === 'unknown-device'
          ? h('span', { class: 'mono', title: 'not a device' }, macText(event.mac), ' ✕')
          : h('a', { href: `#/devices/${event.mac}`, class: 'mono' }, macText(event.mac)),
    ),
    h('td', { 'data-label': 'File', class: 'mono wrap' }, event.file),
    h('td', { 'data-label': 'Door' }, event.transport),
    h(
      'td',
      { 'data-label': 'Status' },
      h('span', { class: `status ${failed ? 'bad' : 'ok'}` }, String(event.status)),
    ),
    h('td', { 'data-label': 'Reason' }, event.reason ?? ''),
    h('td', { 'data-label': 'Address' }, event.address),
    h('td', { 'data-label': 'Bytes' }, String(event.bytes)),
  );
}

function matches(filter, event) {
  if (filter.mac && event.mac !== filter.mac) return false;
  if (filter.reason && event.reason !== filter.reason) return false;
  if (
    filter.failed &&
    !(event.status >= 400 || String(event.reason ?? '').startsWith('transfer-fault'))
  )
    return false;
  return true;
}

export async function render(main, route) {
  const p = route.params;
  const mac = h('input', {
    type: 'text',
    value: p.get('mac') ?? '',
    placeholder: '00:21:f2:00:00:01',
    spellcheck: 'false',
  });
  const reason = h('input', {
    type: 'text',
    value: p.get('reason') ?? '',
    placeholder: 'unknown-device',
    spellcheck: 'false',
  });
  const failed = h('input', { type: 'checkbox', checked: p.get('failed') === '1' });
  const tail = h('input', { type: 'checkbox', checked: p.get('live') !== '0' });
  const state = h('span', { class: 'muted', role: 'status' });
  const slot = h('div');
  const body = h('tbody');
  main.append(
    heading('Events'),
    h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (event) => {
          event.preventDefault();
          load();
        },
      },
      field('Device', mac),
      field('Reason', reason),
      h('label', { class: 'check' }, failed, ' Failures only'),
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
        { class: 'events' },
        h('caption', { class: 'visually-hidden' }, 'Provisioning events, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            EVENT_HEADERS.map((x) => h('th', { scope: 'col' }, x)),
          ),
        ),
        body,
      ),
    ),
  );
  let filter = {};
  let rows = [];
  let stop = () => {};
  const show = () =>
    fill(
      body,
      rows.length
        ? rows.map(eventRow)
        : h(
            'tr',
            {},
            h('td', { colspan: EVENT_HEADERS.length, class: 'muted' }, 'No event matches.'),
          ),
    );
  async function load() {
    const macText_ = mac.value.replace(/[\s:.-]/g, '').toLowerCase();
    filter = {
      mac: macText_ || undefined,
      reason: reason.value.trim() || undefined,
      failed: failed.checked,
    };
    replaceQuery(
      new URLSearchParams(
        query({
          mac: filter.mac,
          reason: filter.reason,
          failed: filter.failed ? 1 : '',
          live: tail.checked ? '' : 0,
        }).slice(1),
      ),
    );
    const found = await attempt(slot, () =>
      get(`/events${query({ ...filter, failed: filter.failed || undefined, limit: 200 })}`),
    );
    rows = found ?? [];
    show();
    stop();
    stop = () => {};
    state.textContent = '';
    if (tail.checked) {
      stop = liveEvents(
        filter.mac ? { mac: filter.mac } : {},
        (kind, event) => {
          if (kind === 'skipped' && event.kind === 'provisioning')
            return fill(slot, behindNotice(event, load));
          if (kind !== 'provisioning' || !matches(filter, event)) return;
          rows.unshift(event);
          rows = rows.slice(0, 500);
          show();
        },
        (s) =>
          (state.textContent =
            s === 'open' ? 'Live: new events appear at the top.' : `Live tail ${s}.`),
      );
    }
  }
  tail.addEventListener('change', load);
  failed.addEventListener('change', load);
  await load();
  return () => stop();
}
