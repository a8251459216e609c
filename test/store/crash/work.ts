import type { ServerUnderTest } from './support.ts';

/** One kind of work the server is killed under. */
export interface CrashWork {
  readonly kind: string;
  /**
   * Works against the running server and kills it at a moment drawn from `next`; resolves
   * once the server is gone and every request it had open has settled.
   */
  crash(server: ServerUnderTest, next: () => number, round: number): Promise<void>;
  /**
   * After a restart: everything the server answered 2xx is there, nothing half made. What a
   * restart shows of an unanswered change is stored from then on, and later restarts keep it.
   * `everything`: the last check, which also reads again what earlier restarts already read.
   */
  verify(server: ServerUnderTest, when: string, everything?: boolean): Promise<void>;
  /** How its kills landed, for the run's diagnostics. */
  summary(): string;
  /** The run did something this kind can be judged by (a change answered, a request served). */
  meaningful(): boolean;
}
