// Pause and Resume on a queue row (inline and in its menu): stored on the backend and obeyed by
// every worker of every process (queues.pause / queues.resume); running tasks finish, enqueueing
// still works. Each is the other's undo, so neither asks first. The profile's counts are read
// again at once, so the row says `paused` (or no longer) without waiting for the next push.
import * as vscode from 'vscode';
import type { Ctx } from '../context.js';
import { QueueNode } from '../tree/nodes.js';

export async function pauseQueue(ctx: Ctx, node: unknown): Promise<void> {
  await setPaused(ctx, node, 'queues.pause');
}

export async function resumeQueue(ctx: Ctx, node: unknown): Promise<void> {
  await setPaused(ctx, node, 'queues.resume');
}

async function setPaused(ctx: Ctx, node: unknown, method: 'queues.pause' | 'queues.resume'): Promise<void> {
  if (!(node instanceof QueueNode)) return;
  const { profile } = node;
  const { queue } = node.queue;
  await ctx.model.client.request(method, { profile, queue });
  await ctx.model.refreshQueues(profile);
  vscode.window.setStatusBarMessage(`${method === 'queues.pause' ? 'Paused' : 'Resumed'} queue ${queue} (${profile})`, 3000);
}
