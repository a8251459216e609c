// Polling instead of sleeping, for a bounded window, where an answer is due within
// microseconds. When the thread sleeps in the kernel while waiting, its wake-up (an
// interrupt; on a virtual machine an exit to the hypervisor) can cost more than the whole
// exchange: a lock-step TFTP block and its ACK, a store query and its reply across threads.
// Holding the event loop turning (setImmediate) makes libuv poll without blocking, so the
// answer is read on the next turn. Each hold is bounded, so a late answer costs at most one
// window of CPU; a busy loop never sleeps anyway and pays nothing extra.

export class LoopPoller {
  readonly #windowMs: number;
  readonly #now: () => number;
  #until = 0;
  #turning = false;

  /** `windowMs` 0 turns polling off. */
  constructor(windowMs: number, now: () => number = () => performance.now()) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Something went out whose answer is due soon: keep the loop turning for the window. */
  hold(): void {
    if (this.#windowMs <= 0) return;
    this.#until = this.#now() + this.#windowMs;
    if (this.#turning) return;
    this.#turning = true;
    setImmediate(this.#turn);
  }

  /** Whether the loop is being kept turning (tests). */
  get polling(): boolean {
    return this.#turning;
  }

  stop(): void {
    this.#until = 0;
  }

  readonly #turn = (): void => {
    if (this.#now() < this.#until) setImmediate(this.#turn);
    else this.#turning = false;
  };
}
