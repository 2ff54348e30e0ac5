// The built-in test tasks as the enqueue form offers them (names from the core, words from here).
import { cpuTask, echoTask, failTask, progressTask, sleepTask } from '../core/test-tasks.js';
import type { TestTaskInfo } from '../protocol/models.js';

export const TEST_TASK_INFO: TestTaskInfo[] = [
  { name: echoTask.name, description: 'Returns its payload (a no-op).', examplePayload: '{\n  "hello": "world"\n}' },
  { name: sleepTask.name, description: 'Waits { ms } milliseconds.', examplePayload: '{\n  "ms": 100\n}' },
  {
    name: failTask.name,
    description: 'Fails the first { times } attempts (every attempt when absent), or with { probability }.',
    examplePayload: '{\n  "times": 1,\n  "message": "failed on purpose"\n}',
  },
  { name: cpuTask.name, description: 'Burns { ms } milliseconds of CPU.', examplePayload: '{\n  "ms": 50\n}' },
  {
    name: progressTask.name,
    description: 'Takes { steps } steps of { ms } each, reporting its progress and logging a line per step.',
    examplePayload: '{\n  "steps": 20,\n  "ms": 500\n}',
  },
];
