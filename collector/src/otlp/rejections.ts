/**
 * Tally of items dropped as individually invalid, for OTLP partial_success:
 * the count and a message naming the first few distinct reasons, how often
 * each occurred, and where it first occurred.
 */

const MAX_REASONS_IN_MESSAGE = 5;

interface Reason {
  count: number;
  firstAt: string;
}

export class Rejections {
  count = 0;
  private readonly reasons = new Map<string, Reason>();

  constructor(private readonly noun: string) {}

  /** `where` is a path; it is evaluated only for the first item with this reason. */
  add(reason: string, where: { toString(): string }, items = 1): void {
    this.count += items;
    const r = this.reasons.get(reason);
    if (r) r.count += items;
    else this.reasons.set(reason, { count: items, firstAt: where.toString() });
  }

  message(): string {
    if (this.count === 0) return '';
    const parts: string[] = [];
    for (const [reason, r] of this.reasons) {
      if (parts.length === MAX_REASONS_IN_MESSAGE) break;
      parts.push(`${reason} (${r.count}, first at ${r.firstAt})`);
    }
    const more = this.reasons.size - parts.length;
    const tail = more > 0 ? `; and ${more} more reason${more === 1 ? '' : 's'}` : '';
    return `rejected ${this.count} ${this.noun}: ${parts.join('; ')}${tail}`;
  }
}
