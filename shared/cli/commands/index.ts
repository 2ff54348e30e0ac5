// Every `sitq` command, one module each.
import type { Command } from 'commander';
import type { App } from '../program.js';
import * as bench from './bench.js';
import * as cancel from './cancel.js';
import * as dashboard from './dashboard.js';
import * as demo from './demo.js';
import * as enqueue from './enqueue.js';
import * as events from './events.js';
import * as health from './health.js';
import * as init from './init.js';
import * as inspect from './inspect.js';
import * as metrics from './metrics.js';
import * as profiles from './profiles.js';
import * as purge from './purge.js';
import * as queueFlow from './queue-flow.js';
import * as requeue from './requeue.js';
import * as retention from './retention.js';
import * as schedule from './schedule.js';
import * as stats from './stats.js';
import * as sweep from './sweep.js';
import * as worker from './worker.js';

const COMMANDS = [
  init,
  profiles,
  health,
  enqueue,
  worker,
  inspect,
  events,
  stats,
  metrics,
  requeue,
  cancel,
  purge,
  retention,
  queueFlow,
  schedule,
  bench,
  sweep,
  demo,
  dashboard,
];

export function registerCommands(program: Command, app: App): void {
  for (const command of COMMANDS) command.register(program, app);
}
