import { writeXml, xmlElement, type XmlElement } from '../../formats/xml.ts';
import { contactNumbers, type Contact } from '../../model/contact.ts';

/**
 * The local contact directory (SoundPoint IP / SoundStation IP Administrator's Guide,
 * "Local Contact Directory File Format", §3.1.17.1): `<directory><item_list><item>` with
 * `fn`, `ln`, `ct` (the number) and `sd` (the speed dial index). One item per number; the
 * contact's name goes in `fn` whole (the list keeps no first and last names apart).
 */
export function directoryFile(contacts: readonly Contact[]): string {
  const items: XmlElement[] = [];
  for (const contact of contacts) {
    for (const number of contactNumbers(contact)) {
      items.push(
        xmlElement('item', {}, [
          // 40 characters, counted as the phone counts them: a character beyond the BMP is
          // one, and is never cut in half into a lone surrogate XML cannot carry.
          xmlElement('fn', {}, [...contact.name].slice(0, 40).join('')),
          xmlElement('ct', {}, number.number),
          xmlElement('sd', {}, String(items.length + 1)),
        ]),
      );
    }
  }
  return writeXml(xmlElement('directory', {}, [xmlElement('item_list', {}, items)])).replace(
    /^<\?xml version="1.0" encoding="UTF-8"\?>/,
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
  );
}
