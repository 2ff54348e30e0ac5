// A view that redraws in place on a terminal, as `top` does: the alternate screen with the cursor
// hidden, each frame drawn from the top-left corner and cut to the terminal's width and height
// (again when the terminal is resized).
// The terminal is given back when the view stops, and also when the process exits before that (a
// forced second Ctrl-C), so the shell never stays on the alternate screen with no cursor.
import { fitWidth } from './format.js';
import type { Io } from './io.js';

const ENTER = '\u001b[?1049h\u001b[?25l';
const LEAVE = '\u001b[?25h\u001b[?1049l';
const HOME = '\u001b[H';
const CLEAR_LINE_END = '\u001b[K';
const CLEAR_BELOW = '\u001b[J';

/** Whether `io`'s stdout is a terminal that can redraw in place. */
export function canRedraw(io: Io): boolean {
  return !!io.stdout.isTTY && io.env.TERM !== 'dumb';
}

export class LiveScreen {
  private active = false;
  private lines: readonly string[] = [];
  private readonly restore = () => this.stop();
  /** A resized terminal gets the same frame again, cut to its new size. */
  private readonly resized = () => this.draw(this.lines);

  constructor(private readonly io: Io) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    this.io.stdout.write(ENTER);
    process.once('exit', this.restore);
    this.io.stdout.on?.('resize', this.resized);
  }

  /** Replaces what is on the screen with `lines`. */
  draw(lines: readonly string[]): void {
    if (!this.active) return;
    this.lines = lines;
    const width = this.io.stdout.columns || 80;
    const height = this.io.stdout.rows || 24;
    const shown =
      lines.length > height ? [...lines.slice(0, height - 1), `… ${lines.length - height + 1} more lines: enlarge the window`] : lines;
    const frame = shown.map((l) => fitWidth(this.io.clean(l), width) + CLEAR_LINE_END).join('\n');
    this.io.stdout.write(HOME + frame + CLEAR_BELOW);
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    process.off('exit', this.restore);
    this.io.stdout.off?.('resize', this.resized);
    this.io.stdout.write(LEAVE);
  }
}
