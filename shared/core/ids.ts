import { randomBytes, randomFillSync } from 'node:crypto';

let lastMs = 0;
let counter = 0;
/** lastMs as the id's first 12 hex digits, written once per millisecond. */
let msHex = '';

// Random bytes drawn 4 KiB at a time: one randomBytes(6) per id cost more than the rest of an
// enqueue's own work (~5 µs each).
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function randomHex6(): string {
  if (poolUsed + 6 > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  const b = pool;
  const i = poolUsed;
  poolUsed += 6;
  return HEX[b[i]] + HEX[b[i + 1]] + HEX[b[i + 2]] + HEX[b[i + 3]] + HEX[b[i + 4]] + HEX[b[i + 5]];
}

/** Time-ordered unique id (48-bit ms + 16-bit counter + 48 random bits, hex): sorts by creation
 *  time, so "newest first" listings need no extra column. */
export function newTaskId(): string {
  const now = Date.now();
  if (now === lastMs) counter = (counter + 1) & 0xffff;
  else {
    lastMs = now;
    counter = 0;
    msHex = now.toString(16).padStart(12, '0');
  }
  return msHex + HEX[counter >> 8] + HEX[counter & 0xff] + randomHex6();
}

export function newWorkerId(): string {
  return `w-${randomBytes(6).toString('hex')}`;
}
