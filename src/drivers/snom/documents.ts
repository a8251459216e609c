import { writeXml, xmlElement, type XmlElement } from '../../formats/xml.ts';
import { contactNumbers, type Contact } from '../../model/contact.ts';
import type { SnomKey, SnomSetting } from './mapping.ts';

/**
 * Snom's XML setting files (Snom wiki, Desk Phone Configuration Files; `<phone-settings>`,
 * `<functionKeys>`, `<tbook>` tags): UTF-8, `e="2"` so escapes above 255 are read as Unicode.
 * Every provisioned value is written with `perm="R"`: the server is its source, the user
 * cannot change it on the phone (the wiki's examples use `R`, `RW` and `""`).
 */
export const PERM = 'R';

/** `<setting-files>`: the URLs of further setting files, fetched in order. */
export function settingFiles(urls: readonly string[]): string {
  return writeXml(
    xmlElement(
      'setting-files',
      {},
      urls.map((url) => xmlElement('file', { url })),
    ),
  );
}

/** `<settings>` with `<phone-settings>` and, when there are keys, `<functionKeys>`. */
export function settingsDocument(
  settings: readonly SnomSetting[],
  keys: readonly SnomKey[],
): string {
  const children: XmlElement[] = [
    xmlElement(
      'phone-settings',
      { e: '2' },
      settings.map((s) =>
        xmlElement(
          s.name,
          { ...(s.idx === undefined ? {} : { idx: String(s.idx) }), perm: PERM },
          s.value,
        ),
      ),
    ),
  ];
  if (keys.length > 0) {
    children.push(
      xmlElement(
        'functionKeys',
        { e: '2' },
        keys.map((k) =>
          xmlElement(
            'fkey',
            {
              idx: String(k.idx),
              context: k.context,
              ...(k.label === undefined ? {} : { label: k.label }),
              perm: PERM,
            },
            k.value,
          ),
        ),
      ),
    );
  }
  return writeXml(xmlElement('settings', {}, children));
}

const NUMBER_TYPES = { office: 'business', mobile: 'mobile', other: 'home' } as const;

/**
 * The phone's directory (Snom wiki, `<tbook>` tag): `complete="true"` replaces what the phone
 * holds, so a contact the list no longer has goes; one item per number, indexes from 0.
 */
export function tbookDocument(contacts: readonly Contact[]): string {
  const items: XmlElement[] = [];
  for (const contact of contacts) {
    for (const number of contactNumbers(contact)) {
      items.push(
        xmlElement('item', { context: 'active', type: 'none', index: String(items.length) }, [
          xmlElement('name', {}, contact.name),
          xmlElement('number', {}, number.number),
          xmlElement('number_type', {}, NUMBER_TYPES[number.kind]),
        ]),
      );
    }
  }
  return writeXml(xmlElement('tbook', { e: '2', complete: 'true' }, items));
}

/** The firmware setting file `firmware_status` names: the image to install. */
export function firmwareDocument(imageUrl: string): string {
  return writeXml(
    xmlElement('firmware-settings', {}, [xmlElement('firmware', { perm: PERM }, imageUrl)]),
  );
}
