// Layout problems read from the rendered page's bounding boxes (not from pictures): what a user
// at that window size could not see or could not click. Returns one line per problem.
import type { Page } from 'playwright-core';

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
