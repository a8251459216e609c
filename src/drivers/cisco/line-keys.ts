import { groupIndexes, type Settings } from '../../model/settings.ts';
import type { CiscoEntry } from './entry.ts';
import { keyOffAccount, pastCapacity, type CapacityWords } from '../capacity.ts';

/**
 * Line keys: `Extension_N_` (the account a line key shows, or `Disabled` for a function),
 * `Short_Name_N_` and `Extended_Function_N_` (`fnc=blf+sd+cp;sub=…@$PROXY` for BLF,
 * `fnc=sd;ext=…@$PROXY` for speed dial, `fnc=prk;sub=…@$PROXY` for call park, as public
 * templates write them; *uncertain* across firmware). A key past the phone's line keys, or on
 * a line it does not have, is not written.
 */
export function lineKeys(
  settings: Settings,
  text: (key: string) => string | undefined,
  push: (entry: CiscoEntry) => void,
  phone: { accounts: number; keys: number; words: CapacityWords; notes: string[] },
): void {
  const { words, notes } = phone;
  const extra: number[] = [];
  for (const n of groupIndexes(settings, 'keys')) {
    const type = text(`keys.${n}.type`);
    const value = text(`keys.${n}.value`) ?? '';
    const label = text(`keys.${n}.label`);
    // `;` separates the fields of Extended_Function: in the label it would end `nme=`.
    const shown = label?.replace(/;/g, ',');
    const name = shown === undefined ? '' : `;nme=${shown}`;
    // A bare number is the phone's proxy's; an address (user@host) already names its host.
    const target = value.includes('@') ? value : `${value}@$PROXY`;
    let extension: string;
    let fn: string | undefined;
    switch (type) {
      case 'line':
        extension = text(`keys.${n}.account`) ?? '1';
        break;
      case 'none':
        extension = 'Disabled';
        fn = '';
        break;
      case 'speed_dial':
        extension = 'Disabled';
        fn = `fnc=sd;ext=${target}${name}`;
        break;
      case 'blf':
        extension = 'Disabled';
        fn = `fnc=blf+sd+cp;sub=${target}${name}`;
        break;
      case 'call_park':
        extension = 'Disabled';
        fn = `fnc=prk;sub=${target}${name}`;
        break;
      default:
        continue;
    }
    const line = Number(text(`keys.${n}.account`) ?? '1');
    if (n > phone.keys) {
      extra.push(n);
      continue;
    }
    if (line > phone.accounts) {
      notes.push(keyOffAccount(n, line, phone.accounts, words));
      continue;
    }
    if (fn && shown !== label)
      notes.push(
        `keys.${n}.label: written nme=${shown} in Extended_Function_${n}_, each ; as , (there a ; would end the name); Short_Name_${n}_ keeps the label as given`,
      );
    push({
      name: `Extension_${n}_`,
      value: extension,
      from: `keys.${n}.type`,
      ...(type === 'line' && settings[`keys.${n}.account`] !== undefined
        ? { also: [`keys.${n}.account`] }
        : {}),
    });
    if (label !== undefined)
      push({ name: `Short_Name_${n}_`, value: label, from: `keys.${n}.label` });
    if (fn !== undefined)
      push({
        name: `Extended_Function_${n}_`,
        value: fn,
        from: `keys.${n}.type`,
        ...(settings[`keys.${n}.value`] !== undefined ? { also: [`keys.${n}.value`] } : {}),
      });
  }
  if (extra.length > 0) notes.push(pastCapacity('keys', extra, phone.keys, words));
}
