// What a phone has room for, and how a driver says it left the rest out: the same words in
// every family's explanation, each family naming its accounts its own way (Cisco's lines,
// Poly's registrations, Snom's identities).

/** The accounts and line keys a phone of a model takes, as its driver knows them. */
export interface LineCapacity {
  accounts: number;
  keys: number;
  /** The model's own figures; false: the most its family's documents give, its own unknown. */
  known: boolean;
}

/** The phone as the notes name it. */
export interface CapacityWords {
  /** `a GXP2130`, or `this phone` when the model is not known. */
  phone: string;
  /** What the family calls an account: `accounts`, `lines`, `registrations`, `identities`. */
  accounts: string;
  known: boolean;
}

export function capacityWords(
  model: string | undefined,
  accounts: string,
  known: boolean,
): CapacityWords {
  return { phone: model === undefined ? 'this phone' : `a ${model}`, accounts, known };
}

/**
 * The indexes of a group the phone has room for (1 to `most`); the rest are left out and
 * named in one note.
 */
export function withinCapacity(
  group: 'accounts' | 'keys',
  indexes: readonly number[],
  most: number,
  words: CapacityWords,
  notes: string[],
): number[] {
  const past = indexes.filter((n) => n > most);
  if (past.length > 0) notes.push(pastCapacity(group, past, most, words));
  return indexes.filter((n) => n <= most);
}

/** `keys.40 not written: a CP-7841-3PCC has line keys 1–16 (the most of its family; …)`. */
export function pastCapacity(
  group: 'accounts' | 'keys',
  past: readonly number[],
  most: number,
  words: CapacityWords,
): string {
  const what = group === 'accounts' ? words.accounts : 'line keys';
  const whose = words.known ? '' : ' (the most of its family; its own count is not known here)';
  return `${past.map((n) => `${group}.${n}`).join(', ')} not written: ${words.phone} has ${what} 1–${most}${whose}`;
}

/** A key on an account the phone does not have, which is not written either. */
export function keyOffAccount(
  n: number,
  account: number,
  most: number,
  words: CapacityWords,
): string {
  return `keys.${n} not written: its account ${account} is not one of ${words.phone}'s ${words.accounts} 1–${most}`;
}
