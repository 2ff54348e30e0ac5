import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/** Time-ordered unique id (48-bit ms + 16-bit counter + 48 random bits, hex): sorts by creation
 *  time, so "newest first" listings need no extra column. */
export function newTaskId(): string {
  const now = Date.now();
  if (now === lastMs) counter = (counter + 1) & 0xffff;
  else {
    lastMs = now;
    counter = 0;
  }
  return now.toString(16).padStart(12, '0') + counter.toString(16).padStart(4, '0') + randomBytes(6).toString('hex');
}

export function newWorkerId(): string {
  return `w-${randomBytes(6).toString('hex')}`;
}
