/**
 * Deterministic pseudo-random bigints for property-style tests (xorshift64*), so a failure always
 * reproduces with the same seed.
 */
export class SeededRandom {
  private state: bigint;
  private static readonly MASK = (1n << 64n) - 1n;

  constructor(seed: bigint) {
    this.state = seed & SeededRandom.MASK || 0x9e3779b97f4a7c15n;
  }

  /** Next uniformly distributed 64-bit unsigned value. */
  next64(): bigint {
    let x = this.state;
    x ^= x >> 12n;
    x ^= (x << 25n) & SeededRandom.MASK;
    x ^= x >> 27n;
    this.state = x;
    return (x * 0x2545f4914f6cdd1dn) & SeededRandom.MASK;
  }

  /** Uniform in [0, bound) (bound ≤ 2^64; slight modulo bias is irrelevant for tests). */
  below(bound: bigint): bigint {
    return this.next64() % bound;
  }

  /** A signed bigint with a random number of digits (1..maxDigits), so small and huge values both appear. */
  bigint(maxDigits = 30, allowNegative = true): bigint {
    const digits = Number(this.below(BigInt(maxDigits))) + 1;
    let v = 0n;
    for (let i = 0; i < digits; i++) v = v * 10n + this.below(10n);
    return allowNegative && this.below(2n) === 1n ? -v : v;
  }

  int(bound: number): number {
    return Number(this.below(BigInt(bound)));
  }
}
