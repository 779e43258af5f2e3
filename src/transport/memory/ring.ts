/**
 * A growable ring buffer, the memory transport's queue storage.
 * @module
 */

/**
 * A growable FIFO ring buffer (power-of-two capacity, O(1) push/shift).
 *
 * @example
 * ```ts
 * const r = new Ring<number>();
 * r.push(1);
 * r.shift(); // 1
 * ```
 */
export class Ring<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private tail = 0;
  private mask: number;
  length = 0;
  constructor(initial = 16) {
    let cap = 16;
    while (cap < initial) cap <<= 1;
    this.buf = new Array(cap);
    this.mask = cap - 1;
  }
  push(v: T): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[this.tail] = v;
    this.tail = (this.tail + 1) & this.mask;
    this.length++;
  }
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return v;
  }
  forEach(fn: (v: T) => void): void {
    for (let i = 0, p = this.head; i < this.length; i++, p = (p + 1) & this.mask) fn(this.buf[p] as T);
  }
  private grow(): void {
    const old = this.buf;
    const n = old.length;
    const next = new Array<T | undefined>(n * 2);
    for (let i = 0; i < n; i++) next[i] = old[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.tail = n;
    this.mask = n * 2 - 1;
  }
}
