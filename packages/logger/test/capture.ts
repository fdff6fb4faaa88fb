/** An in-memory destination: collects what the logger writes. */
export class Capture {
  readonly chunks: string[] = [];
  isTTY: boolean | undefined;
  flushes = 0;

  constructor(options: { isTTY?: boolean } = {}) {
    this.isTTY = options.isTTY;
  }

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }

  flush(callback?: () => void): void {
    this.flushes++;
    callback?.();
  }

  get text(): string {
    return this.chunks.join('');
  }

  /** Non-empty output lines, without their newline. */
  lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '');
  }

  /** Every line parsed as JSON (throws if one is not JSON). */
  records(): Record<string, unknown>[] {
    return this.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The single record written; fails loudly when there is not exactly one. */
  only(): Record<string, unknown> {
    const records = this.records();
    if (records.length !== 1) throw new Error(`expected 1 line, got ${records.length}: ${this.text}`);
    return records[0] as Record<string, unknown>;
  }
}
