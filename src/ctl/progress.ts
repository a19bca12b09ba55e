// Progress of a long operation on stderr: a redrawn bar when stderr is a terminal, plain event
// lines otherwise (logs and pipes get no carriage returns).
const WIDTH = 30;
const REDRAW_MS = 100;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export class Progress {
  private done = 0;
  private drawnAt = 0;
  private readonly tty: boolean;

  constructor(private readonly label: string, private readonly total: number, private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = !!out.isTTY;
  }

  add(bytes: number): void {
    this.done += bytes;
    if (this.tty && Date.now() - this.drawnAt >= REDRAW_MS) this.draw();
  }

  /** An event worth a line of its own (a blob written, a layer unpacked). */
  note(text: string): void {
    if (this.tty) this.out.write('\r\x1b[K');
    this.out.write(`${text}${this.tty ? '' : ` (${this.amount()})`}\n`);
    if (this.tty) this.draw();
  }

  finish(): void {
    if (this.tty) {
      this.draw();
      this.out.write('\n');
    } else {
      this.out.write(`${this.label}: ${this.amount()}\n`);
    }
  }

  private amount(): string {
    const pct = this.total > 0 ? Math.min(100, Math.floor((this.done * 100) / this.total)) : 100;
    return `${mb(this.done)} / ${mb(this.total)}, ${pct}%`;
  }

  private draw(): void {
    this.drawnAt = Date.now();
    const filled = this.total > 0 ? Math.min(WIDTH, Math.round((this.done * WIDTH) / this.total)) : WIDTH;
    this.out.write(`\r\x1b[K${this.label} [${'='.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${this.amount()}`);
  }
}
