// The dashboard UI's entry: pick the host's transport, start the controller, render the screens.
import { render } from 'preact';
import { createTransport } from './bridge/index.js';
import { Shell, useRoute, type RouteId } from './components/shell.js';
import { App, AppContext, useAppState } from './state/app.js';
import { BenchView } from './views/bench.js';
import { EnqueueView } from './views/enqueue.js';
import { HaView } from './views/ha.js';
import { HealthView } from './views/health.js';
import { ProfilesView } from './views/profiles.js';
import { QueuesView } from './views/queues.js';
import { SchedulesView } from './views/schedules.js';
import { WorkersView } from './views/workers.js';
import './styles/app.css';

const SCREENS: Record<RouteId, () => preact.JSX.Element> = {
  profiles: ProfilesView,
  queues: QueuesView,
  schedules: SchedulesView,
  enqueue: EnqueueView,
  workers: WorkersView,
  health: HealthView,
  bench: BenchView,
  ha: HaView,
};

function Root() {
  const route = useRoute();
  const ready = useAppState((s) => s.ready);
  const Screen = SCREENS[route];
  return <Shell route={route}>{ready ? <Screen /> : <p class="muted loading">Connecting to the dashboard host…</p>}</Shell>;
}

const app = new App(createTransport());
const mount = document.getElementById('app');
if (mount) {
  render(
    <AppContext.Provider value={app}>
      <Root />
    </AppContext.Provider>,
    mount,
  );
}
