// The one conformance suite every backend runs: `await exerciseBackend({...})` from
// test/backends/<name>.test.ts. A behaviour tested here is tested for all four backends.
import { describe, it } from 'node:test';
import { serverSkip } from '../helpers/servers.js';
import { cancelRetentionSuite } from './cancel-retention.js';
import { contractSuite } from './contract.js';
import { corruptRecordsSuite } from './corrupt-records.js';
import { historySuite } from './history.js';
import { flowControlSuite } from './flow-control.js';
import type { ConformanceTarget } from './harness.js';
import { processesSuite } from './processes.js';
import { progressEventsSuite } from './progress-events.js';
import { queueAndWorkerSuite } from './queue-and-worker.js';
import { schedulesSuite } from './schedules.js';
import { stateSuite } from './state.js';

export type { ConformanceTarget } from './harness.js';

export async function exerciseBackend(target: ConformanceTarget): Promise<void> {
  const skip = target.server ? await serverSkip(target.server) : false;
  describe(`conformance: ${target.kind}`, { skip }, () => {
    contractSuite(target);
    queueAndWorkerSuite(target);
    if (target.sharedAcrossProcesses === false) {
      it('worker processes', { skip: `${target.kind} keeps its tasks in one process: other processes cannot share its queue` }, () => {});
    } else {
      processesSuite(target);
    }
    corruptRecordsSuite(target);
    progressEventsSuite(target);
    stateSuite(target);
    historySuite(target);
    schedulesSuite(target);
    cancelRetentionSuite(target);
    flowControlSuite(target);
  });
}
