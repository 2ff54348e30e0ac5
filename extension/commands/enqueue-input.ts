// What each step of the extension's Enqueue flow accepts, checked as the user types with the
// core's own rules (shared/core/rules.ts), so a value the input box lets through is one the core's
// enqueue accepts. No `vscode` import: a node test checks these against the core directly.
import {
  DELAY_MS,
  ENQUEUE_COUNT,
  MAX_ATTEMPTS,
  PRIORITY,
  checkPayloadJson,
  checkQueueName,
  checkTaskName,
  checkTypedQueueList,
  checkTypedWholeNumber,
  type WholeNumberRange,
} from '../../shared/core/rules.js';

/** An input box's `validateInput`: undefined when the text is fine, else what is wrong. */
export type TextCheck = (text: string) => string | undefined;

const wholeNumber =
  (range: WholeNumberRange, option: string): TextCheck =>
  (text) =>
    checkTypedWholeNumber(range, text, option);

/** The checks of the enqueue steps, by the option each one sets. */
export const enqueueInputChecks = {
  task: ((text) => checkTaskName(text, 'task')) as TextCheck,
  payload: ((text) => checkPayloadJson(text)) as TextCheck,
  queue: ((text) => checkQueueName(text)) as TextCheck,
  delay: wholeNumber(DELAY_MS, 'delay'),
  priority: wholeNumber(PRIORITY, 'priority'),
  maxAttempts: wholeNumber(MAX_ATTEMPTS, 'maxAttempts'),
  count: wholeNumber(ENQUEUE_COUNT, 'count'),
} satisfies Record<string, TextCheck>;

/** The worker's queue list, comma-separated. */
export const queueListCheck: TextCheck = (text) => checkTypedQueueList(text);
