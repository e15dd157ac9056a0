import { RedisActionStore } from './redis-actions.js';
import { createRedisClient, describeRedisUrl, guard, type RedisClient } from './redis-client.js';
import { RedisEventLog } from './redis-event-log.js';
import { RedisHistoryStore } from './redis-history.js';
import { RedisLogStore, RedisTable, RedisTimedTable } from './redis-table.js';
import {
  type RegistryLimits,
  rowLimits,
  type Storage,
  type StorageReachability,
  type StorageStatus,
  type StoredWorker,
  WORKER_GROUPINGS,
} from './types.js';

export interface RedisStorageOptions extends RegistryLimits {
  /** `redis://[user:password@]host:port[/db]`; a separate db (or Redis) per deployment keeps them apart. */
  url: string;
  replayWindow: number;
  recentLogs: number;
  dashboardIntervalMs: number;
  /** Connection lost and restored, data lost, a listener that threw: for the server's log. */
  log: {
    warn(details: object, message: string): void;
    info(details: object, message: string): void;
  };
}

const KEYS = {
  events: 'pulseboard:events',
  dashboardLease: 'pulseboard:lease:dashboard',
  workers: 'pulseboard:workers',
  workersDue: 'pulseboard:workers:due',
  /** The prefix of each group's set of worker ids (`queue:<name>`, `fleet:<id>`). */
  workerGroups: 'pulseboard:workers:',
  epoch: 'pulseboard:epoch',
  resources: 'pulseboard:resources',
  logs: 'pulseboard:logs',
  deadLetters: 'pulseboard:dead-letters',
  /** The prefix of the action keys (redis-actions.ts). */
  actions: 'pulseboard:actions',
} as const;

/**
 * Storage shared by every instance pointed at the same Redis: the registry in
 * hashes, recent logs in a capped list, events in a stream read by one
 * blocking loop per instance. Rejects if Redis cannot be reached at startup;
 * afterwards it reconnects on its own and reports `ok: false` meanwhile.
 */
export async function createRedisStorage(options: RedisStorageOptions): Promise<Storage> {
  const where = describeRedisUrl(options.url);
  const client = createRedisClient(options.url);
  // Blocking reads need their own connection; its offline queue lets the loop's next read wait out a reconnect.
  const reader: RedisClient = client.duplicate({ disableOfflineQueue: false, commandOptions: {} });
  // Set once the event log is open; the reconnect check below runs only after that.
  let eventLog: RedisEventLog | undefined;
  /** Since when both connections have been up. */
  let reachable: StorageReachability | null = null;
  let lostOnce = false;

  for (const [name, connection] of [
    ['commands', client],
    ['events', reader],
  ] as const) {
    let connected = false;
    let failing = false;
    // Without an 'error' listener a dropped connection would crash the process.
    connection.on('error', (err: Error) => {
      if (reachable) lostOnce = true;
      reachable = null;
      if (failing) return;
      failing = true;
      const message = connected ? 'Redis connection lost; reconnecting' : 'Cannot connect to Redis; retrying';
      options.log.warn({ redis: where, connection: name, err: err.message }, message);
    });
    connection.on('ready', () => {
      const reconnected = connected;
      connected = true;
      if (client.isReady && reader.isReady && !reachable) {
        reachable = { since: Date.now(), afterOutage: lostOnce };
      }
      if (failing) {
        const message = reconnected ? 'Redis connection restored' : 'Connected to Redis';
        options.log.info({ redis: where, connection: name }, message);
      }
      failing = false;
      // A Redis that comes back without the epoch key came back empty (restarted without persistence).
      if (reconnected && connection === client) {
        eventLog?.checkEpoch().catch((err: unknown) =>
          // Lost again already: the next reconnect checks again.
          options.log.warn({ redis: where, err }, 'could not check Redis for data loss'),
        );
      }
    });
  }

  await client.connect();
  let log: RedisEventLog;
  try {
    await reader.connect();
    log = await RedisEventLog.open({
      client,
      reader,
      key: KEYS.events,
      epochKey: KEYS.epoch,
      leaseKey: KEYS.dashboardLease,
      maxLen: options.replayWindow,
      dashboardIntervalMs: options.dashboardIntervalMs,
      onError: (err) => options.log.warn({ redis: where, err }, 'event feed'),
    });
  } catch (err) {
    for (const connection of [client, reader]) if (connection.isOpen) connection.destroy();
    throw err;
  }
  eventLog = log;
  log.onReset(() =>
    options.log.warn({ redis: where }, 'Redis came back without our data; telling every stream to resync'),
  );

  const limits = rowLimits(options);
  return {
    store: {
      workers: new RedisTimedTable(
        client,
        KEYS.workers,
        log,
        {
          key: KEYS.workersDue,
          timeOf: (row: StoredWorker) => row.dueAt,
          groupPrefix: KEYS.workerGroups,
          groupings: WORKER_GROUPINGS,
        },
        limits.workers,
      ),
      resources: new RedisTable(client, KEYS.resources, log, limits.resources),
      logs: new RedisLogStore(client, KEYS.logs, options.recentLogs, log),
      deadLetters: new RedisTable(client, KEYS.deadLetters, log),
    },
    eventLog: log,
    history: new RedisHistoryStore(client),
    actions: new RedisActionStore(client, log, KEYS.actions),
    status(): StorageStatus {
      if (client.isReady && log.reading) return { backend: 'redis', ok: true };
      // No address or error text here: /healthz is open. The log has the details.
      return { backend: 'redis', ok: false, reason: 'Redis is unreachable; reconnecting with backoff' };
    },
    reachable: () => reachable,
    onDataLost: (listener) => log.onReset(listener),
    async close() {
      await log.close();
      // close() waits for commands in flight; with the connection down there are none to wait for.
      await guard(client.close()).catch(() => client.destroy());
    },
  };
}
