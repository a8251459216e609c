// The fleet at a glance, refreshed every few seconds and at once when an event arrives.
import { get } from '../api.js';
import { count, fill, h, table, time } from '../dom.js';
import { errorBox, heading, section } from '../ui.js';
import { liveEvents } from '../live.js';

const CATEGORY_WORDS = {
  'unknown-mac': 'Unknown MAC',
  refused: 'Refused',
  throttled: 'Throttled address',
  'missing-file': 'Missing file',
  'transfer-fault': 'TransferComplete fault',
  'resync-timeout': 'Resync timeout',
  'resync-failed': 'Resync failed',
  other: 'Other',
};

function tile(label, value, href) {
  return h(
    'a',
    { class: 'tile', href },
    h('span', { class: 'tile-value' }, count(value)),
    h('span', { class: 'tile-label' }, label),
  );
}

function devicesLink(params) {
  return `#/devices?${new URLSearchParams(params)}`;
}

function view(overview) {
  const failures = overview.failures;
  const firmware = overview.firmware;
  return [
    h(
      'div',
      { class: 'tiles' },
      tile('devices', overview.devices, '#/devices'),
      tile('seen in the last hour', overview.seen.hour, devicesLink({ seen: 'hour' })),
      tile('seen in the last day', overview.seen.day, devicesLink({ seen: 'day' })),
      tile('never seen', overview.seen.never, devicesLink({ seen: 'never' })),
      tile('pending phones', overview.pending, '#/pending'),
      tile('failures in the last hour', failures.total, '#/events?failed=1'),
    ),
    h(
      'div',
      { class: 'columns' },
      section(
        'Failures of the last hour',
        table(
          'Failures by reason',
          ['Kind', 'Reason', 'Door', 'Requests'],
          failures.categories.flatMap((category) =>
            category.reasons.map((row) => [
              CATEGORY_WORDS[category.category] ?? category.category,
              row.reason
                ? h(
                    'a',
                    { href: `#/events?failed=1&reason=${encodeURIComponent(row.reason)}` },
                    row.reason,
                  )
                : '—',
              row.transport,
              count(row.count),
            ]),
          ),
          { hideCaption: true, empty: 'No failures in the last hour.' },
        ),
      ),
      section(
        'Firmware compliance',
        table(
          'Firmware compliance per model',
          ['Vendor', 'Model', 'Target', 'Running it', 'Other', 'Unknown'],
          firmware.models.map((row) => {
            const scope = { vendor: row.vendor, ...(row.model ? { model: row.model } : {}) };
            const share = row.devices ? Math.round((row.running / row.devices) * 100) : 0;
            return [
              row.vendor,
              row.model ?? '—',
              row.target,
              h(
                'a',
                { href: devicesLink({ ...scope, firmware: row.target }) },
                `${count(row.running)} of ${count(row.devices)} (${share}%)`,
              ),
              h(
                'a',
                { href: devicesLink({ ...scope, firmware: `!${row.target}` }) },
                count(row.other),
              ),
              count(row.unknown),
            ];
          }),
          { class: 'stack', hideCaption: true, empty: 'No model has a firmware.version target.' },
        ),
        h(
          'p',
          { class: 'muted' },
          `${count(firmware.untargeted)} devices have no firmware target.`,
        ),
      ),
    ),
    h(
      'div',
      { class: 'columns' },
      section(
        'Vendors',
        table(
          'Devices per vendor',
          ['Vendor', 'Devices'],
          overview.vendors.map((v) => [
            h('a', { href: devicesLink({ vendor: v.vendor }) }, v.vendor),
            count(v.devices),
          ]),
          { hideCaption: true },
        ),
      ),
      section(
        'Profiles',
        table(
          'Devices per profile',
          ['Profile', 'Devices'],
          overview.profiles.map((p) => [
            h('a', { href: `#/profiles/${encodeURIComponent(p.profile)}` }, p.profile),
            h('a', { href: devicesLink({ profile: p.profile }) }, count(p.devices)),
          ]),
          { hideCaption: true, empty: 'No device lists a profile.' },
        ),
      ),
    ),
  ];
}

export async function render(main) {
  const stamp = h('span', { class: 'muted', 'aria-live': 'off' });
  const body = h('div', { class: 'overview', 'aria-busy': 'true' });
  const live = h('span', { class: 'live-dot', title: 'updates without reload' }, 'live');
  main.append(heading('Overview', live, stamp), body);
  let timer;
  let stopped = false;
  const refresh = async () => {
    clearTimeout(timer);
    try {
      const overview = await get('/fleet/overview');
      if (stopped) return;
      fill(body, view(overview));
      body.setAttribute('aria-busy', 'false');
      fill(stamp, 'updated ', time(overview.at));
    } catch (error) {
      if (!stopped) fill(body, errorBox(error));
    }
    if (!stopped) timer = setTimeout(refresh, 10_000);
  };
  await refresh();
  // An event means the counts moved: read them again soon, at most once a second.
  let pending;
  const stop = liveEvents({}, () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      refresh();
    }, 1000);
  });
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(pending);
    stop();
  };
}
