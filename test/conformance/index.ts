// The one conformance suite every backend runs: `await exerciseBackend({...})` from
// test/backends/<name>.test.ts. A behaviour tested here is tested for all four backends.
import { describe } from 'node:test';
import { serverSkip } from '../helpers/servers.js';
import { contractSuite } from './contract.js';
import { corruptRecordsSuite } from './corrupt-records.js';
import type { ConformanceTarget } from './harness.js';
import { processesSuite } from './processes.js';
import { queueAndWorkerSuite } from './queue-and-worker.js';

export type { ConformanceTarget } from './harness.js';

export async function exerciseBackend(target: ConformanceTarget): Promise<void> {
  const skip = target.server ? await serverSkip(target.server) : false;
  describe(`conformance: ${target.kind}`, { skip }, () => {
    contractSuite(target);
    queueAndWorkerSuite(target);
    processesSuite(target);
    corruptRecordsSuite(target);
  });
}
