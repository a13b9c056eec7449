/**
 * Bounds how many scrapes run at once across the agent. FIFO, no timers.
 * Owned by the scrape pool; lives as long as the agent.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
