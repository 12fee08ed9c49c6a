/**
 * The two industry test strings: GTUBE (every spam filter treats a message containing it as
 * spam) and EICAR (every antivirus treats content containing it as a virus). Searched as bytes,
 * so no body is converted to a string for it, and across chunk boundaries for streamed content.
 */

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export const GTUBE_BYTES = Buffer.from(GTUBE, 'latin1');
export const EICAR_BYTES = Buffer.from(EICAR, 'latin1');

/**
 * Finds fixed byte patterns in content that arrives in chunks. Keeps only the last
 * (longest pattern − 1) bytes between chunks, so a match split across two chunks is found
 * without buffering the content.
 */
export class StreamScanner {
  private readonly found: boolean[];
  private readonly keep: number;
  private tail: Buffer = Buffer.alloc(0);
  private remaining: number;

  constructor(private readonly patterns: readonly Buffer[]) {
    this.found = patterns.map(() => false);
    this.remaining = patterns.length;
    this.keep = Math.max(0, ...patterns.map((p) => p.length - 1));
  }

  write(chunk: Buffer): void {
    if (this.remaining === 0 || chunk.length === 0) return;
    const joint = this.tail.length > 0 ? Buffer.concat([this.tail, chunk.subarray(0, this.keep)]) : null;
    for (let i = 0; i < this.patterns.length; i++) {
      if (this.found[i]) continue;
      const p = this.patterns[i]!;
      if ((joint && joint.includes(p)) || chunk.includes(p)) {
        this.found[i] = true;
        this.remaining--;
      }
    }
    if (this.keep === 0) return;
    // copy the tail: a view would keep the whole (possibly large) chunk alive
    this.tail =
      chunk.length >= this.keep
        ? Buffer.from(chunk.subarray(chunk.length - this.keep))
        : Buffer.concat([this.tail, chunk]).subarray(-this.keep);
  }

  has(index: number): boolean {
    return this.found[index] === true;
  }
}
