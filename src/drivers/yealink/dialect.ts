/** The two dialects of the Yealink-style key=value format this driver speaks. */
export type Dialect = 'flyingvoice' | 'yealink';

export const VENDORS: readonly Dialect[] = ['flyingvoice', 'yealink'];

/**
 * A phone that is not in the store and sends no agent (TFTP) is most likely the
 * Flyingvoice phone seed 001 describes; Yealink phones provision over HTTP and say who they are.
 */
export const DEFAULT_VENDOR: Dialect = 'flyingvoice';

export function dialectFor(vendor: string): Dialect {
  return vendor === 'yealink'
    ? 'yealink'
    : vendor === 'flyingvoice'
      ? 'flyingvoice'
      : DEFAULT_VENDOR;
}
