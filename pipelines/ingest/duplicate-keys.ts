// Notices whether a load repeats a natural key, so the merge can skip its DISTINCT ON sort (the costliest
// part of it) in the common case of none. Keys are kept as 64-bit fingerprints in an open-addressing
// table of typed arrays, not as a Set of strings: millions of retained strings made the garbage collector
// the largest cost of a big load. A fingerprint collision can only report a repeat that is not there,
// which costs the sort, never a wrong merge (p ≈ n²/2⁶⁵: 2e-7 for 2.8M keys).

/** cyrb53-style string hash: two independent 32-bit halves. */
function fingerprint(key: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // (0, 0) marks an empty slot.
  return [h1 >>> 0, h2 >>> 0 || 1];
}

export class DuplicateKeyTracker {
  private high = new Uint32Array(1 << 16);
  private low = new Uint32Array(1 << 16);
  private size = 0;
  repeated = false;

  /** Past `limit` keys it stops tracking and assumes repeats, bounding memory on very large loads. */
  constructor(private readonly limit = 20_000_000) {}

  add(key: string): void {
    if (this.repeated) return;
    if (this.size >= this.limit) {
      this.repeated = true;
      this.release();
      return;
    }
    const [h1, h2] = fingerprint(key);
    if (!this.insert(h1, h2)) {
      this.repeated = true;
      this.release();
      return;
    }
    if (++this.size * 2 > this.high.length) this.grow();
  }

  /** False when the fingerprint was already there. */
  private insert(h1: number, h2: number): boolean {
    const mask = this.high.length - 1;
    for (let slot = (h1 ^ h2) & mask; ; slot = (slot + 1) & mask) {
      const a = this.high[slot]!;
      const b = this.low[slot]!;
      if (a === 0 && b === 0) {
        this.high[slot] = h1;
        this.low[slot] = h2;
        return true;
      }
      if (a === h1 && b === h2) return false;
    }
  }

  private grow(): void {
    const { high, low } = this;
    this.high = new Uint32Array(high.length * 2);
    this.low = new Uint32Array(low.length * 2);
    for (let slot = 0; slot < high.length; slot++) if (high[slot] !== 0 || low[slot] !== 0) this.insert(high[slot]!, low[slot]!);
  }

  private release(): void {
    this.high = new Uint32Array(0);
    this.low = new Uint32Array(0);
  }
}
