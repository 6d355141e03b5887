// Standard exponential draws by the ziggurat method (Marsaglia & Tsang, "The Ziggurat Method for
// Generating Random Variables", 2000; 256 layers). About 99% of draws cost one 32-bit uniform, a table
// compare and a multiply; the rest (a layer's wedge, or the tail beyond R) use a logarithm or exponential.
// Why not −ln U: `Math.log` per draw was over half of the forecast simulation's time (docs/forecast.md).
import type { Random } from '../sample/random.ts';

/** The rightmost layer's edge and the common area of the layers (the paper's constants for n = 256). */
const R = 7.69711747013105;
const AREA = 3.949659822581572e-3;
const TWO_32 = 4294967296;

/** ke: layer thresholds on a 32-bit draw; we: draw → x; fe: the density exp(−x) at each layer's edge. */
const ke = new Float64Array(256);
const we = new Float64Array(256);
const fe = new Float64Array(256);
{
  let edge = R;
  let previous = R;
  const q = AREA / Math.exp(-R);
  ke[0] = Math.floor((R / q) * TWO_32);
  ke[1] = 0;
  we[0] = q / TWO_32;
  we[255] = R / TWO_32;
  fe[0] = 1;
  fe[255] = Math.exp(-R);
  for (let i = 254; i >= 1; i--) {
    edge = -Math.log(AREA / edge + Math.exp(-edge));
    ke[i + 1] = Math.floor((edge / previous) * TWO_32);
    previous = edge;
    fe[i] = Math.exp(-edge);
    we[i] = edge / TWO_32;
  }
}

/**
 * Exp(1) draws from two seeded streams: `random` gives one uniform per draw, filled straight into the
 * output and turned into draws in one tight loop; the 1% of draws that need more (the wedges and the
 * tail) take their extra uniforms from `extra`. So the draws are the same whatever block sizes they
 * are asked for in.
 */
export class ExponentialDraws {
  constructor(
    private readonly random: Random,
    private readonly extra: Random,
  ) {}

  /** Fills `out` with the next `out.length` draws. */
  fill(out: Float64Array): void {
    this.random.fill(out);
    for (let i = 0; i < out.length; i++) {
      const jz = out[i]! * TWO_32; // an exact integer 0 … 2³² − 1
      const iz = jz & 255;
      out[i] = jz < ke[iz]! ? jz * we[iz]! : this.slow(jz, iz);
    }
  }

  /** The draws outside a layer's rectangle: the tail, or the wedge test against the density. */
  private slow(jz: number, iz: number): number {
    for (;;) {
      if (iz === 0) return R - Math.log(1 - this.extra.next()); // memoryless tail: R + Exp(1)
      const x = jz * we[iz]!;
      if (fe[iz]! + this.extra.next() * (fe[iz - 1]! - fe[iz]!) < Math.exp(-x)) return x;
      jz = this.extra.next() * TWO_32;
      iz = jz & 255;
      if (jz < ke[iz]!) return jz * we[iz]!;
    }
  }
}
