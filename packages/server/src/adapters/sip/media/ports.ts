// The UDP ports of media endpoints: even ones of the configured range (RTP takes even ports,
// RFC 3550 §11), each handed out once while in use.

/**
 * Hands out the even ports of `first`–`last` in turn, starting after the last one given, so a port
 * just released is the last to come round again (late packets of an ended call rarely reach the
 * next one).
 *
 * @example
 * const ports = new PortAllocator(20000, 20999);
 * const port = ports.take(); // 20000
 * ports.release(port);
 */
export class PortAllocator {
  private readonly inUse = new Set<number>();
  private readonly first: number;
  private readonly count: number;
  private cursor = 0;

  constructor(first: number, last: number) {
    this.first = first + (first % 2);
    this.count = Math.max(0, Math.floor((last - this.first) / 2) + 1);
    if (this.count === 0) throw new RangeError(`no even port in ${first}-${last}`);
  }

  /** How many ports the range holds. */
  get size(): number {
    return this.count;
  }

  /** How many ports are handed out now. */
  get used(): number {
    return this.inUse.size;
  }

  /** A port nobody holds, or undefined when every port of the range is in use. */
  take(): number | undefined {
    for (let tried = 0; tried < this.count; tried++) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.count;
      if (!this.inUse.has(port)) {
        this.inUse.add(port);
        return port;
      }
    }
    return undefined;
  }

  release(port: number): void {
    this.inUse.delete(port);
  }
}
