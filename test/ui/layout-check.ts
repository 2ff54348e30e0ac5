// Layout problems read from the rendered page's bounding boxes (not from pictures): what a user
// at that window size could not see or could not click. Returns one line per problem.
import type { Locator, Page } from 'playwright-core';

/** Run in the page; typed structurally because this Node project has no DOM lib. */
const CHECK = `(() => {
  const problems = [];
  const name = (el) => {
    const id = el.getAttribute('data-testid');
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    return el.tagName.toLowerCase() + (id ? '[' + id + ']' : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + (text ? ' "' + text + '"' : '');
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const overlap = (a, b) => {
    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    return x > 1 && y > 1;
  };
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) problems.push('the page scrolls sideways: ' + doc.scrollWidth + ' px of content in ' + window.innerWidth + ' px');
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    if (visible(wrap) && wrap.scrollWidth > wrap.clientWidth + 1) problems.push(name(wrap.querySelector('table') || wrap) + ' hides ' + (wrap.scrollWidth - wrap.clientWidth) + ' px behind a sideways scroll');
  }
  for (const box of document.querySelectorAll('.panel, .drawer, .topbar, .modal')) {
    if (visible(box) && box.scrollWidth > box.clientWidth + 1) problems.push(name(box).slice(0, 80) + ' spills ' + (box.scrollWidth - box.clientWidth) + ' px out');
  }
  // Cells of one row, and the items of a row of controls (a dialog's title bar and buttons too), never cover each other.
  for (const row of document.querySelectorAll('tr, .panel-head, .topbar, .toolbar, .pager, .worker-head, .detail-actions, .modal-head, .modal-foot')) {
    if (!visible(row)) continue;
    const items = [...row.children].filter(visible);
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        if (overlap(items[i].getBoundingClientRect(), items[j].getBoundingClientRect())) problems.push(name(items[i]) + ' overlaps ' + name(items[j]));
      }
    }
  }
  // A cell's content stays inside its cell (cut-off text with a tooltip is marked .ellipsis).
  for (const cell of document.querySelectorAll('td, th')) {
    if (!visible(cell) || cell.classList.contains('ellipsis')) continue;
    if (cell.scrollWidth > cell.clientWidth + 1) problems.push(name(cell) + ' overflows its cell by ' + (cell.scrollWidth - cell.clientWidth) + ' px');
  }
  // Every button is inside the window.
  for (const b of document.querySelectorAll('button, select, input')) {
    if (!visible(b)) continue;
    const r = b.getBoundingClientRect();
    if (r.left < -1 || r.right > window.innerWidth + 1) problems.push(name(b) + ' is outside the window');
  }
  return [...new Set(problems)];
})()`;

export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(CHECK);
}

/** Where a control is, once scrolled to as a user would, and what a click at its centre hits. */
export interface Reach {
  text: string;
  /** Inside the window, and inside the visible area of its table, drawer or dialog. */
  inside: boolean;
  /** A click at its centre hits it (nothing covers it). */
  onTop: boolean;
  box: number[];
  hit: string;
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}
/** The few DOM calls used here, typed structurally (this Node project has no DOM lib). */
interface El {
  tagName: string;
  className: unknown;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  closest(selector: string): El | null;
  contains(other: unknown): boolean;
}

export async function reach(control: Locator): Promise<Reach> {
  await control.scrollIntoViewIfNeeded();
  return control.evaluate((e) => {
    const el = e as unknown as El;
    const g = globalThis as unknown as {
      innerWidth: number;
      innerHeight: number;
      document: { documentElement: El; elementFromPoint(x: number, y: number): El | null };
    };
    const r = el.getBoundingClientRect();
    const clip = (el.closest('.table-wrap, .drawer, .modal') ?? g.document.documentElement).getBoundingClientRect();
    const hit = g.document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {
      text: (el.textContent ?? '').trim() || (el.getAttribute('aria-label') ?? ''),
      inside:
        r.width > 0 &&
        r.left >= clip.left - 0.5 &&
        r.right <= clip.right + 0.5 &&
        r.top >= clip.top - 0.5 &&
        r.bottom <= clip.bottom + 0.5 &&
        r.left >= 0 &&
        r.right <= g.innerWidth &&
        r.top >= 0 &&
        r.bottom <= g.innerHeight,
      onTop: !!hit && (hit === el || el.contains(hit)),
      box: [r.left, r.top, r.width, r.height].map(Math.round),
      hit: hit ? `${hit.tagName.toLowerCase()}.${String(hit.className).trim().split(/\s+/).join('.')}` : 'nothing',
    };
  });
}

/** What a confirmation dialog should say: its title, its body, and its buttons' names in order. */
export interface DialogText {
  title: string;
  body: RegExp;
  /** The title bar's close button is "Close"; the footer's follow. */
  buttons: readonly string[];
}

interface DialogRead {
  problems: string[];
  title: string;
  body: string;
  buttons: string[];
}

/** Read in the dialog: its texts, and each text that is cut off, spills out or is hard to read. */
const READ_DIALOG = `(dialog) => {
  const problems = [];
  const clean = (s) => (s || '').trim().replace(/\\s+/g, ' ');
  const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const box = dialog.getBoundingClientRect();
  if (box.top < 0 || box.bottom > window.innerHeight || box.left < 0 || box.right > window.innerWidth)
    problems.push('the dialog is not all inside the window: ' + JSON.stringify([box.left, box.top, box.right, box.bottom].map(Math.round)));
  for (const el of dialog.querySelectorAll('h2, p, li, label, button, .modal-body > *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    const text = clean(el.textContent).slice(0, 40) || el.getAttribute('aria-label') || el.tagName.toLowerCase();
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') problems.push('"' + text + '" is cut off (' + el.scrollWidth + ' px in ' + el.clientWidth + ')');
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5) problems.push('"' + text + '" spills out of the dialog');
    if (!clean(el.textContent) || el.disabled) continue;
    const [a, b] = [lum(rgba(getComputedStyle(el).color)), lum(background(el))];
    const contrast = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const least = el.tagName === 'BUTTON' ? 3 : 4.5;
    if (contrast < least) problems.push('"' + text + '" is hard to read: contrast ' + contrast.toFixed(2) + ' (at least ' + least + ')');
  }
  const all = clean(dialog.textContent);
  if (/\\b(undefined|null|NaN)\\b|\\[object /.test(all)) problems.push('the dialog says "' + all + '"');
  return {
    problems,
    title: clean((dialog.querySelector('.modal-head h2') || {}).textContent),
    // Block by block, without the choices of a select (a user reads the one chosen).
    body: [...((dialog.querySelector('.modal-body') || {}).children || [])]
      .map((block) => {
        const copy = block.cloneNode(true);
        for (const choice of copy.querySelectorAll('option')) choice.remove();
        return clean(copy.textContent);
      })
      .join(' '),
    buttons: [...dialog.querySelectorAll('button')].map((b) => clean(b.textContent) || b.getAttribute('aria-label') || ''),
  };
}`;

/**
 * A confirmation dialog open on the page, as a user at that window size and theme meets it: the
 * page's layout problems (layoutProblems) with the dialog over it; the dialog inside the window;
 * its title, body and buttons saying what `want` says, no text cut off, spilling out or hard to
 * read (WCAG contrast: 4.5 for text, 3 for buttons); and each button inside the dialog and the
 * window and what a click at its centre hits. One line per problem.
 */
export async function dialogProblems(page: Page, dialog: Locator, want: DialogText): Promise<string[]> {
  await dialog.waitFor();
  const problems = await layoutProblems(page);
  await page.evaluate(`window.__readDialog = ${READ_DIALOG}`);
  const read = await dialog.evaluate((el) => (globalThis as unknown as { __readDialog(e: unknown): DialogRead }).__readDialog(el));
  problems.push(...read.problems);
  if (read.title !== want.title) problems.push(`the title says "${read.title}", not "${want.title}"`);
  if (!want.body.test(read.body)) problems.push(`the body says "${read.body}", not ${String(want.body)}`);
  if (read.buttons.join(' | ') !== want.buttons.join(' | '))
    problems.push(`the buttons are ${read.buttons.join(' | ')}, not ${want.buttons.join(' | ')}`);
  const buttons = dialog.locator('button');
  for (let i = 0; i < (await buttons.count()); i++) {
    const b = await reach(buttons.nth(i));
    if (!b.inside || !b.onTop) problems.push(`the "${b.text}" button is cut off or covered (${JSON.stringify(b)})`);
  }
  return problems;
}
