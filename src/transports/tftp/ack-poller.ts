// Lock-step TFTP is bound by round trips: the next block leaves only when the phone's ACK
// for the last one is read. When the process sleeps in the kernel between the two, the wake
// up (an interrupt, on a virtual machine an exit to the hypervisor) can cost more than the
// whole exchange. So after sending, the door keeps its event loop turning for a short
// window instead of sleeping: the ACK is read on the next turn. The window is bounded, so a
// slow or silent phone costs at most one window of CPU per block; a busy door never sleeps
// anyway and pays nothing extra.

export class AckPoller {
  readonly #windowMs: number;
  readonly #now: () => number;
  #until = 0;
  #turning = false;

  /** `windowMs` 0 turns polling off. */
  constructor(windowMs: number, now: () => number = () => performance.now()) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** A block just went out: keep the loop turning until its ACK is due no more. */
  expect(): void {
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
