import { WORKER_STATUSES } from '@pulseboard/protocol';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Broadcaster } from './sse/broadcaster.js';
import type { EventLog, RegistryStore } from './store/types.js';

/**
 * Prometheus metrics, on a registry of this app's own (never prom-client's global one):
 * gauges read at scrape time, counters fed by subscriptions to the event log and the broadcaster.
 */
export function createMetrics(sources: {
  broadcaster: Pick<Broadcaster, 'size' | 'buffered' | 'onSent' | 'onDrop'>;
  eventLog: Pick<EventLog, 'subscribe'>;
  store: RegistryStore;
}) {
  const { broadcaster, eventLog } = sources;
  const registry = new Registry();
  // process_* and nodejs_* (memory, CPU, event loop lag, GC), read at scrape time.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'pulseboard_sse_clients',
    help: 'Connected /events clients.',
    registers,
    collect() {
      this.set(broadcaster.size);
    },
  });
  new Gauge({
    name: 'pulseboard_sse_buffered_bytes',
    help: 'Bytes queued for /events clients and not yet taken by their sockets.',
    registers,
    collect() {
      this.set(broadcaster.buffered());
    },
  });
  new Gauge({
    name: 'pulseboard_workers',
    help: 'Workers in the registry, by status.',
    labelNames: ['status'],
    registers,
    async collect() {
      const workers = await sources.store.workers.list();
      for (const status of WORKER_STATUSES) {
        this.set({ status }, workers.filter((s) => s.worker.status === status).length);
      }
    },
  });
  new Gauge({
    name: 'pulseboard_resources',
    help: 'Resources in the registry.',
    registers,
    async collect() {
      this.set(await sources.store.resources.size());
    },
  });
  const eventsLogged = new Counter({
    name: 'pulseboard_events_logged_total',
    help: 'Events appended to the event log, by type.',
    labelNames: ['type'],
    registers,
  });
  eventLog.subscribe((event) => eventsLogged.inc({ type: event.type }));
  const framesSent = new Counter({
    name: 'pulseboard_sse_frames_sent_total',
    help: 'SSE messages written to clients (one event to N clients counts N).',
    registers,
  });
  broadcaster.onSent((frames) => framesSent.inc(frames));
  const clientsDropped = new Counter({
    name: 'pulseboard_sse_clients_dropped_total',
    help: 'Clients disconnected by the server: slow (socket buffer past the hard bound) or backlog (could not catch up).',
    labelNames: ['reason'],
    registers,
  });
  broadcaster.onDrop((reason) => clientsDropped.inc({ reason }));
  // Counted in a number and handed to prom-client when scraped: its inc() (label hashing, checks)
  // was a visible share of a heartbeat's cost (docs/benchmarks.md, issue 14).
  let heartbeats = 0;
  new Counter({
    name: 'pulseboard_heartbeats_total',
    help: 'Heartbeats accepted; rate() gives the heartbeat rate.',
    registers,
    collect() {
      this.inc(heartbeats);
      heartbeats = 0;
    },
  });
  return {
    registry,
    heartbeats: {
      inc(count = 1): void {
        heartbeats += count;
      },
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
