/** A fixed-bucket histogram of INSERT latency in seconds, in Prometheus' cumulative form. */
export class InsertLatency {
  static readonly BOUNDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  readonly counts = new Array<number>(InsertLatency.BOUNDS.length + 1).fill(0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < InsertLatency.BOUNDS.length && seconds > (InsertLatency.BOUNDS[i] as number)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += seconds;
    this.count++;
  }
}
