// The firmware catalogue: images per vendor and model, an upload with a progress bar, and
// how many phones of each model run their target.
import { get, query, request, upload } from '../api.js';
import { count, fill, h, table, time, field } from '../dom.js';
import { attempt, errorBox, heading, notify, progressBar, section } from '../ui.js';

function size(bytes) {
  return bytes >= 1048576
    ? `${(bytes / 1048576).toFixed(1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

export async function render(main) {
  const listSlot = h('div');
  const complianceSlot = h('div');
  const vendor = h('input', {
    type: 'text',
    required: true,
    list: 'fw-vendors',
    spellcheck: 'false',
  });
  const vendors = h('datalist', { id: 'fw-vendors' });
  const model = h('input', { type: 'text', required: true, spellcheck: 'false' });
  const version = h('input', { type: 'text', required: true, spellcheck: 'false' });
  const file = h('input', { type: 'file', required: true });
  const name = h('input', {
    type: 'text',
    spellcheck: 'false',
    placeholder: 'as the phone asks for it',
  });
  const progress = progressBar('Upload progress');
  progress.element.hidden = true;
  const slot = h('div', { role: 'status', 'aria-live': 'polite' });
  file.addEventListener('change', () => {
    if (file.files[0] && !name.value) name.value = file.files[0].name;
  });
  const form = h(
    'form',
    {
      class: 'inline-form',
      async onsubmit(event) {
        event.preventDefault();
        const chosen = file.files[0];
        if (!chosen) return;
        fill(slot);
        progress.element.hidden = false;
        progress.set(0, chosen.size, `0 of ${size(chosen.size)}`);
        const q = query({
          vendor: vendor.value.trim(),
          model: model.value.trim(),
          version: version.value.trim(),
          file: name.value.trim() || chosen.name,
          size: chosen.size,
        });
        try {
          const image = await upload('POST', `/firmware${q}`, chosen, (sent, total) =>
            progress.set(sent, total, `${size(sent)} of ${size(total)}`),
          );
          progress.set(
            chosen.size,
            chosen.size,
            `Stored: ${size(chosen.size)}, SHA-256 ${image.sha256.slice(0, 16)}…`,
          );
          notify(`Firmware ${image.vendor} ${image.model} ${image.version} stored.`);
          await load();
        } catch (error) {
          progress.element.hidden = true;
          fill(slot, errorBox(error));
        }
      },
    },
    field('Vendor', vendor),
    vendors,
    field('Model', model),
    field('Version', version),
    field('Image', file),
    field('File name', name, 'The name phones will see; the image’s own name unless given.'),
    h('button', { type: 'submit', class: 'primary' }, 'Upload'),
  );
  main.append(
    heading('Firmware'),
    section('Upload an image', form, progress.element, slot),
    section('Catalogue', listSlot),
    section('Compliance', complianceSlot),
  );

  async function load() {
    const [images, overview] = await Promise.all([get('/firmware'), get('/fleet/overview')]);
    fill(
      vendors,
      overview.vendors.map((v) => h('option', { value: v.vendor })),
    );
    fill(
      listSlot,
      table(
        'Firmware images',
        ['Vendor', 'Model', 'Version', 'File', 'Size', 'Added', ''],
        images.map((image) => [
          image.vendor,
          image.model,
          image.version,
          h('code', {}, image.fileName),
          size(image.size),
          time(image.createdAt),
          h(
            'button',
            {
              type: 'button',
              class: 'danger small',
              'aria-label': `Remove ${image.vendor} ${image.model} ${image.version}`,
              async onclick() {
                if (!confirm(`Remove ${image.vendor} ${image.model} ${image.version}?`)) return;
                if (
                  await attempt(null, () =>
                    request(
                      'DELETE',
                      `/firmware${query({ vendor: image.vendor, model: image.model, version: image.version })}`,
                    ),
                  )
                )
                  load();
              },
            },
            'Remove',
          ),
        ]),
        { class: 'stack', hideCaption: true, empty: 'The catalogue is empty.' },
      ),
    );
    fill(
      complianceSlot,
      h('p', { class: 'muted' }, 'Targets come from firmware.version on profiles and devices.'),
      table(
        'Firmware compliance per model',
        ['Vendor', 'Model', 'Target', 'Running it', 'Other version', 'Not reported'],
        overview.firmware.models.map((row) => [
          row.vendor,
          row.model ?? '—',
          row.target,
          `${count(row.running)} of ${count(row.devices)}`,
          h(
            'a',
            {
              href: `#/devices${query({ vendor: row.vendor, model: row.model, firmware: `!${row.target}` })}`,
            },
            count(row.other),
          ),
          count(row.unknown),
        ]),
        { class: 'stack', hideCaption: true, empty: 'No device has a firmware target.' },
      ),
    );
  }
  await load();
}
