// A list kept in order as items come and go, with pages read by position: the in-memory indexes
// behind listings and counts that must not walk every task (the NATS backend's task view). Items
// sit in blocks of at most BLOCK_MAX, each sorted, in order: an insert or a delete finds its block
// by binary search over the blocks' last items and moves at most one block's items; reading
// position p walks the block sizes from the nearer end (a few thousand numbers for millions of
// items) and then slices. The order must be total (no two items compare equal) and an item's key
// must not change while it is in the list: take it out, change it, put it back.

const BLOCK_MAX = 1024;
const BLOCK_MIN = BLOCK_MAX / 8;

export class SortedList<T> {
  private blocks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  first(): T | undefined {
    return this.blocks[0]?.[0];
  }

  insert(item: T): void {
    this.count++;
    if (this.blocks.length === 0) {
      this.blocks.push([item]);
      return;
    }
    const b = Math.min(this.blockFor(item), this.blocks.length - 1);
    const block = this.blocks[b];
    block.splice(this.indexIn(block, item), 0, item);
    if (block.length > BLOCK_MAX) this.blocks.splice(b + 1, 0, block.splice(BLOCK_MAX / 2));
  }

  /** Removes the item that compares equal to `item`; answers whether there was one. */
  delete(item: T): boolean {
    const b = this.blockFor(item);
    const block = this.blocks[b];
    if (block === undefined) return false;
    const i = this.indexIn(block, item);
    if (i >= block.length || this.compare(block[i], item) !== 0) return false;
    block.splice(i, 1);
    this.count--;
    if (block.length === 0) this.blocks.splice(b, 1);
    else if (block.length < BLOCK_MIN) this.mergeSmall(b);
    return true;
  }

  /** Up to `n` items from position `start` on, in order. */
  slice(start: number, n: number): T[] {
    const out: T[] = [];
    if (n <= 0 || start >= this.count) return out;
    let b: number;
    let at: number;
    if (start < this.count / 2) {
      for (b = 0, at = 0; at + this.blocks[b].length <= start; b++) at += this.blocks[b].length;
    } else {
      for (b = this.blocks.length - 1, at = this.count - this.blocks[b].length; at > start;) at -= this.blocks[--b].length;
    }
    for (let i = start - at; b < this.blocks.length && out.length < n; b++, i = 0) {
      const block = this.blocks[b];
      for (; i < block.length && out.length < n; i++) out.push(block[i]);
    }
    return out;
  }

  toArray(): T[] {
    return this.blocks.flat();
  }

  /** The first block whose last item is not before `item` (blocks.length if none). */
  private blockFor(item: T): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid];
      if (this.compare(block[block.length - 1], item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first position in `block` whose item is not before `item`. */
  private indexIn(block: T[], item: T): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(block[mid], item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Joins a block grown small with a neighbour when both fit in one, so deletes cannot leave
   *  millions of tiny blocks behind. */
  private mergeSmall(b: number): void {
    const next = this.blocks[b + 1];
    if (next !== undefined && this.blocks[b].length + next.length <= BLOCK_MAX / 2) {
      this.blocks[b].push(...next);
      this.blocks.splice(b + 1, 1);
      return;
    }
    const prev = this.blocks[b - 1];
    if (prev !== undefined && prev.length + this.blocks[b].length <= BLOCK_MAX / 2) {
      prev.push(...this.blocks[b]);
      this.blocks.splice(b, 1);
    }
  }
}
