// The calm tree's change events, checked against the real Workers provider (extension/tree/
// workers.ts bundled with a stand-in for the `vscode` module, so no editor is needed): which
// events it fires, and — what keeps a row's inline action and context menu working — none that
// VS Code does not need. A refresh makes VS Code's extension host forget the rows under the
// refreshed one until the window asks for them again; a command from a row's menu arriving in
// between gets no row. So: no second refresh of a list VS Code is already fetching again.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { LocalWorkerView } from '../../shared/protocol/models.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Just what the tree modules use of the `vscode` API. */
const VSCODE_STAND_IN = `
export class EventEmitter {
  listeners = [];
  event = (listener) => { this.listeners.push(listener); return { dispose() {} }; };
  fire(value) { for (const l of this.listeners) l(value); }
  dispose() { this.listeners = []; }
}
export class ThemeIcon { constructor(id, color) { this.id = id; this.color = color; } }
export class ThemeColor { constructor(id) { this.id = id; } }
export class TreeItem { constructor(label, collapsibleState) { this.label = label; this.collapsibleState = collapsibleState; } }
export const TreeItemCollapsibleState = { None: 0, Collapsed: 1, Expanded: 2 };
`;

interface Row {
  id: string;
  description?: string;
}
interface WorkersTree {
  onDidChangeTreeData(listener: (row: Row | undefined) => void): unknown;
  getChildren(row?: Row): Row[];
  dispose(): void;
}
type WorkersModule = { WorkersProvider: new (model: FakeModel) => WorkersTree };

class FakeModel extends EventEmitter {
  workers: LocalWorkerView[] = [];
  set(workers: LocalWorkerView[]): void {
    this.workers = workers;
    this.emit('workers');
  }
}

async function loadWorkersTree(): Promise<{ module: WorkersModule; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'sitq-calm-'));
  const out = join(dir, 'workers.mjs');
  await build({
    entryPoints: [join(ROOT, 'extension/tree/workers.ts')],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'error',
    plugins: [
      {
        name: 'vscode-stand-in',
        setup(b) {
          b.onResolve({ filter: /^vscode$/ }, () => ({ path: 'vscode', namespace: 'stand-in' }));
          b.onLoad({ filter: /.*/, namespace: 'stand-in' }, () => ({ contents: VSCODE_STAND_IN, loader: 'js' }));
        },
      },
    ],
  });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const module = (await import(pathToFileURL(out).href)) as WorkersModule;
  return { module, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function worker(id: string, state: LocalWorkerView['state'], succeeded = 0): LocalWorkerView {
  return {
    id,
    profile: 'local',
    queues: ['default'],
    concurrency: 2,
    state,
    startedAt: 0,
    running: 0,
    succeeded,
    failed: 0,
    ratePerSec: 0,
  };
}

/** Longer than the tree's debounce (150 ms), with room for a loaded machine. */
const settle = () => new Promise((r) => setTimeout(r, 600));

test('the Workers tree sends only the change events VS Code needs', async (t) => {
  const { module, cleanup } = await loadWorkersTree();
  t.after(cleanup);
  const model = new FakeModel();
  const tree = new module.WorkersProvider(model);
  t.after(() => tree.dispose());
  const events: string[] = [];
  tree.onDidChangeTreeData((row) => events.push(row ? row.id : '(root)'));
  assert.deepEqual(tree.getChildren(), [], 'VS Code shows the empty list');

  await t.test('a worker that starts refreshes the list once, even if it turns running before VS Code asked again', async () => {
    model.set([worker('a', 'starting')]);
    await settle();
    assert.deepEqual(events.splice(0), ['(root)']);
    // VS Code has dropped the rows and not asked for the list yet (a slow window): the worker's
    // next states need no event of their own, the list will be read when it is asked for.
    model.set([worker('a', 'running')]);
    model.set([worker('a', 'running', 1)]);
    await settle();
    assert.deepEqual(events.splice(0), [], 'no second refresh of a list VS Code is fetching again');
    const rows = tree.getChildren();
    assert.deepEqual(
      rows.map((r) => [r.id, r.description]),
      [['worker:a', '0 running · 1 done · 0 failed · 0/s']],
      'the list VS Code gets is the current one',
    );
  });

  await t.test('then a change of its numbers refreshes that row only, and nothing changing sends nothing', async () => {
    model.set([worker('a', 'running', 2)]);
    await settle();
    assert.deepEqual(events.splice(0), ['worker:a']);
    model.set([worker('a', 'running', 2)]);
    await settle();
    assert.deepEqual(events.splice(0), []);
  });

  await t.test('a row whose look changed is not refreshed again when VS Code re-read the list first', async () => {
    model.set([worker('a', 'running', 3)]);
    // The window asks for the list (after a refresh of its own) before the debounce ran out.
    tree.getChildren();
    await settle();
    assert.deepEqual(events.splice(0), []);
  });

  await t.test('a second worker refreshes the list; the first row keeps its object', async () => {
    const [first] = tree.getChildren();
    model.set([worker('a', 'running', 3), worker('b', 'starting')]);
    await settle();
    assert.deepEqual(events.splice(0), ['(root)']);
    const rows = tree.getChildren();
    assert.equal(rows[0], first, 'the same row object (VS Code maps its handle to it)');
    assert.deepEqual(
      rows.map((r) => r.id),
      ['worker:a', 'worker:b'],
    );
  });
});
