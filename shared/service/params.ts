// Runtime checks of every request's parameters. The UI is typed, but the host cannot trust what
// arrives over a socket or IPC: each method's params are parsed here before a handler sees them.
import { z } from 'zod';
import { BACKEND_KINDS, type BackendKind } from '../backends/descriptors.js';
import { ENQUEUE_COUNT, STATE_VALUE_MAX_BYTES, TASK_STATES, type TaskState } from '../core/rules.js';
import { CATCH_UP_POLICIES, type CatchUpPolicy } from '../core/schedules.js';
import { SEARCH_MAX_LENGTH } from '../core/task-search.js';
import type { Method, ParamsOf } from '../protocol/requests.js';

const empty = z.strictObject({});
const name = z.string().min(1).max(200);
const id = z.string().min(1).max(200);
const kind = z.enum(BACKEND_KINDS as [BackendKind, ...BackendKind[]]);
const state = z.enum(TASK_STATES as [TaskState, ...TaskState[]]);
const search = z.string().max(SEARCH_MAX_LENGTH);
// Shapes only: the values (pattern, zone, interval, name) are checked by the core with its messages.
const scheduleName = z.string().min(1).max(200);
const scheduleSpec = z.union([
  z.strictObject({ cron: z.string().max(200), tz: z.string().max(100).optional() }),
  z.strictObject({ every: z.number() }),
]);
const runs = z.number().int().min(0).max(100).optional();

const draft = z.strictObject({
  name: z.string().max(200),
  kind,
  description: z.string().max(1000).optional(),
  options: z.record(z.string(), z.unknown()),
  secrets: z.record(z.string(), z.string().max(10_000).nullable()),
});

const benchOptions = z.strictObject({
  tasks: z.number().optional(),
  concurrency: z.number().optional(),
  payloadBytes: z.number().optional(),
  task: z.string().optional(),
  warmup: z.number().optional(),
  singleEnqueue: z.number().optional(),
  batchSize: z.number().optional(),
  idleSamples: z.number().optional(),
  idleGapMs: z.number().optional(),
  floor: z.boolean().optional(),
  stallTimeoutMs: z.number().optional(),
  profile: z.string().optional(),
});

type Schemas = { [M in Method]: z.ZodType<ParamsOf<M>> };

export const PARAMS: Schemas = {
  hello: empty,
  'profiles.list': empty,
  'profiles.validate': z.strictObject({ draft, originalName: name.optional() }),
  'profiles.save': z.strictObject({ draft, originalName: name.optional() }),
  'profiles.delete': z.strictObject({ name }),
  'profiles.test': z.strictObject({ draft: draft.optional(), name: name.optional(), originalName: name.optional() }),
  'health.list': empty,
  'health.history': z.strictObject({ profile: name }),
  'ha.nodes': z.strictObject({ profile: name }),
  'watch.set': z.strictObject({ profile: name.nullable() }),
  'queues.snapshot': z.strictObject({ profile: name }),
  'tasks.list': z.strictObject({
    profile: name,
    queue: z.string().max(64).optional(),
    state: state.optional(),
    search: search.optional(),
    offset: z.number().int().min(0).max(100_000_000),
    limit: z.number().int().min(1).max(1000),
  }),
  'tasks.get': z.strictObject({ profile: name, id }),
  'tasks.follow': z.strictObject({ profile: name, taskId: id.optional(), queue: z.string().max(64).optional() }),
  'tasks.unfollow': z.strictObject({}),
  'tasks.requeue': z.strictObject({ profile: name, id }),
  'tasks.cancel': z.strictObject({ profile: name, id }),
  'tasks.bulk': z.strictObject({
    profile: name,
    action: z.enum(['requeue', 'cancel']),
    target: z.union([
      z.strictObject({ ids: z.array(id).min(1).max(10_000) }),
      z.strictObject({ queue: z.string().max(64).optional(), state, search: search.optional() }),
    ]),
  }),
  'tasks.purge': z.strictObject({ profile: name, queue: z.string().max(64).optional(), olderThanMs: z.number().int().min(0) }),
  'queues.settings': z.strictObject({ profile: name, queue: z.string().min(1).max(64) }),
  // The keep rules are checked by the core (checkKeep), which names each bad field.
  'queues.setRetention': z.strictObject({ profile: name, queue: z.string().min(1).max(64), keep: z.record(z.string(), z.unknown()) }),
  'tasks.enqueue': z.strictObject({
    profile: name,
    name: z.string().max(200),
    payloadJson: z.string().max(1_000_000),
    count: z.number().int().min(ENQUEUE_COUNT.min).max(ENQUEUE_COUNT.max),
    queue: z.string().max(64),
    priority: z.number().int(),
    delayMs: z.number().int().min(0),
    maxAttempts: z.number().int(),
  }),
  // Structure only: the values are checked by the core's rules (queue-settings.ts), whose
  // ConfigurationError names the field.
  'queues.pause': z.strictObject({ profile: name, queue: z.string().max(64) }),
  'queues.resume': z.strictObject({ profile: name, queue: z.string().max(64) }),
  'queues.setLimits': z.strictObject({
    profile: name,
    queue: z.string().max(64),
    rate: z.strictObject({ max: z.number(), perMs: z.number() }).nullable().optional(),
    maxRunning: z.number().nullable().optional(),
  }),
  'schedules.list': z.strictObject({ profile: name, runs }),
  'schedules.get': z.strictObject({ profile: name, name: scheduleName, runs }),
  'schedules.save': z.strictObject({
    profile: name,
    name: scheduleName,
    spec: scheduleSpec,
    task: z.string().max(200),
    payloadJson: z.string().max(STATE_VALUE_MAX_BYTES),
    queue: z.string().max(64).optional(),
    priority: z.number().int().optional(),
    maxAttempts: z.number().int().optional(),
    timeoutMs: z.number().int().optional(),
    catchUp: z.enum(CATCH_UP_POLICIES as [CatchUpPolicy, ...CatchUpPolicy[]]).optional(),
    catchUpLimit: z.number().int().optional(),
    paused: z.boolean().optional(),
  }),
  'schedules.pause': z.strictObject({ profile: name, name: scheduleName }),
  'schedules.resume': z.strictObject({ profile: name, name: scheduleName }),
  'schedules.remove': z.strictObject({ profile: name, name: scheduleName }),
  'schedules.preview': z.strictObject({ spec: scheduleSpec, runs }),
  'stats.history': z.strictObject({
    profile: name,
    queue: z.string().max(64).optional(),
    since: z.number().int().min(0).optional(),
    until: z.number().int().min(0).optional(),
    resolution: z.enum(['minute', 'hour']).optional(),
  }),
  'workers.list': empty,
  'workers.start': z.strictObject({
    profile: name,
    queues: z.array(z.string().max(64)).min(1).max(100),
    concurrency: z.number().int().min(1).max(10_000),
    taskModule: z.string().min(1).max(4096).optional(),
  }),
  'workers.stop': z.strictObject({ id, force: z.boolean() }),
  'workers.log': z.strictObject({ id }),
  'workers.clear': empty,
  'bench.list': empty,
  'bench.start': z.strictObject({
    profiles: z.array(name).min(1).max(20),
    options: benchOptions,
    sweep: z.boolean(),
    sweepTasksPerCell: z.number().int().min(1).max(1_000_000).optional(),
  }),
  'bench.cancel': z.strictObject({ id }),
  'bench.get': z.strictObject({ id }),
  'bench.import': z.strictObject({ json: z.string().max(50_000_000) }),
  'bench.export': z.strictObject({ id, format: z.enum(['json', 'csv', 'markdown']) }),
  'bench.compare': z.strictObject({ id, earlierId: id }),
};
