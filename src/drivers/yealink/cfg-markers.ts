/** The first line of every cfg and boot file: the phones refuse a file without it. */
export const VERSION_LINE = '#!version:1.0.0.1';

/** What the phones write for "empty" in the files they upload; read back as the empty string. */
export const NULL_VALUE = '%NULL%';
