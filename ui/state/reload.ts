// One read at a time: `reload()` starts a read, or, while one is under way, asks for one more
// after it (any number of calls meanwhile make one more read). Screens that follow live data
// (the open task, the schedule list) call it on every change pushed by the host.
import { useRef } from 'preact/hooks';

export function useReload(read: () => Promise<void>): () => Promise<void> {
  const latest = useRef(read);
  latest.current = read;
  const reading = useRef(false);
  const again = useRef(false);
  const reload = useRef(async (): Promise<void> => {
    if (reading.current) {
      again.current = true;
      return;
    }
    reading.current = true;
    again.current = false;
    try {
      await latest.current();
    } finally {
      reading.current = false;
    }
    if (again.current) return reload.current();
  });
  return reload.current;
}
