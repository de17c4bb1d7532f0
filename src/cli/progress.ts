/** A one-line progress display on stderr (redrawn in place on a terminal, a line per change otherwise). */
export class ProgressLine {
  #last = '';
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  static bar(done: number, total: number, width = 20): string {
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(ratio * 100)}%`;
  }

  update(text: string): void {
    if (text === this.#last) return;
    this.#last = text;
    if (this.stream.isTTY) this.stream.write(`\r\x1b[2K${text}`);
    else this.stream.write(`${text}\n`);
  }

  done(text: string): void {
    if (this.stream.isTTY) this.stream.write(`\r\x1b[2K${text}\n`);
    else this.stream.write(`${text}\n`);
    this.#last = '';
  }
}
