import { main } from '../../src/main.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs a plugndial command in this process, capturing what it prints. */
export async function cli(...argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}
