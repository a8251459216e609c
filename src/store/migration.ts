/** One schema step. Statements run one by one, in one transaction with the others of the run. */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}
