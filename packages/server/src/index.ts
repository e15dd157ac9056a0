export { createReporter, type Reporter, ReporterError, type ReporterOptions } from '@pulseboard/reporter';
export { type AppOptions, createApp, type PulseServer, type RequestHandler, type Storage } from './app.js';
export { parseOperateToken } from './auth.js';
export { parseCliArgs, USAGE } from './cli-args.js';
export { ConfigError, resolveConfig, type ServerConfig, type ServerConfigInput } from './config.js';
export { createPulseboard, type Next, type Pulseboard, type PulseboardOptions } from './mount.js';
export { createMemoryEventLog, createMemoryRegistryStore } from './store/memory.js';
export type { EventLog, RegistryStore, StoredWorker, Table, TimedTable } from './store/types.js';
