/**
 * A request-handling worker pool (a semaphore with a FIFO queue), as a
 * thread-pool-backed server would have. The pool_saturation fault shrinks it
 * and makes each request hold its worker longer, so requests queue.
 */
export class WorkerPool {
  #size: number;
  #busy = 0;
  readonly #queue: (() => void)[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }
  get busy(): number {
    return this.#busy;
  }
  get queued(): number {
    return this.#queue.length;
  }

  resize(size: number): void {
    this.#size = Math.max(1, size);
    this.#drain();
  }

  /** Resolves with a release function once a worker is free. */
  async acquire(): Promise<() => void> {
    if (this.#busy < this.#size) {
      this.#busy++;
    } else {
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#busy--;
      this.#drain();
    };
  }

  #drain(): void {
    while (this.#busy < this.#size && this.#queue.length > 0) {
      this.#busy++;
      this.#queue.shift()!();
    }
  }
}
