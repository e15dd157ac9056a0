export { type PulseServer, type Storage, createApp } from './app.js';
export { ConfigError, type ServerConfig, type ServerConfigInput, resolveConfig } from './config.js';
export { createMemoryEventLog, createMemoryRegistryStore } from './store/memory.js';
export type { EventLog, RegistryStore, StoredWorker, Table } from './store/types.js';
export { createReporter, type Reporter, ReporterError, type ReporterOptions } from './reporter/reporter.js';
