// A task record with its payload and result decoded, for the inspection API and the tools.
import { serializerNamed } from './serializers.js';
import type { TaskRecord } from './types.js';

export interface TaskView extends Omit<TaskRecord, 'payload' | 'result'> {
  payload: unknown;
  result?: unknown;
  /** Set when the stored bytes could not be decoded (another version wrote them, or corruption). */
  decodeError?: string;
}

export function toTaskView(record: TaskRecord): TaskView {
  const { payload, result, ...rest } = record;
  const view: TaskView = { ...rest, payload: undefined };
  try {
    const serializer = serializerNamed(record.serializer);
    view.payload = serializer.deserialize(payload);
    if (result) view.result = serializer.deserialize(result);
  } catch (err) {
    view.decodeError = (err as Error).message;
  }
  return view;
}
