/**
 * No Docker engine runs here, so the Dockerfile and docker-compose.yml are
 * checked against the code they start: the port, the start command, the files
 * copied, and that every environment variable they set is one the CLI (or the
 * simulator) really reads, and makes a configuration the server accepts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseCliArgs } from '../../packages/server/src/cli-args.js';
import { assertSafeBinding, resolveConfig } from '../../packages/server/src/config.js';
import { root } from '../root.js';

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<
    string,
    { ports?: string[]; environment?: Record<string, string>; command?: string[]; profiles?: string[] }
  >;
};
const instructions = (name: string) =>
  [...dockerfile.matchAll(new RegExp(`^${name}\\s+(.+)$`, 'gm'))].map((m) => m[1]!.trim());
const cliSource = readFileSync(join(root, 'packages/server/src/cli-args.ts'), 'utf8');
const simulatorSource = readFileSync(join(root, 'demo/simulate.ts'), 'utf8');

/** `ENV A=1 B=2` lines of the Dockerfile. */
const imageEnv = Object.fromEntries(
  instructions('ENV').flatMap((line) => line.split(/\s+/).map((pair) => pair.split('=') as [string, string])),
);
const backend = compose.services.backend!;
const backendEnv = { ...imageEnv, ...backend.environment };

describe('Dockerfile and docker-compose.yml', () => {
  it('have the services the origin notes use: backend on 8090 and redis; the simulator only on request', () => {
    assert.ok(compose.services.redis, 'no redis service');
    assert.deepEqual(backend.ports, ['8090:8090']);
    assert.deepEqual(compose.services.simulator?.profiles, ['simulator']);
  });

  it('start the server CLI, which exists, on the port the image exposes and the CLI reads', () => {
    const cmd = JSON.parse(instructions('CMD').at(-1)!) as string[];
    assert.equal(cmd[0], 'node');
    assert.ok(existsSync(join(root, cmd[1]!)), `${cmd[1]} does not exist`);
    // The compiled CLI the package's bin names, not a copy of it.
    const server = JSON.parse(readFileSync(join(root, 'packages/server/package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    assert.equal(cmd[1], join('packages/server', server.bin['pulseboard-server']!));
    assert.deepEqual(instructions('EXPOSE'), ['8090']);
    const args = parseCliArgs([], backendEnv);
    assert.ok(!args.help);
    assert.equal(args.config.port, 8090);
    assert.equal(backend.ports![0]!.split(':')[1], String(args.config.port));
    // The health check follows PORT, defaulting to the port the CLI defaults to.
    assert.match(dockerfile, /127\.0\.0\.1:\$\{PORT:-8090\}\/healthz/);
  });

  it('copy only paths that exist', () => {
    for (const line of instructions('COPY')) {
      const parts = line.split(/\s+/);
      for (const source of parts.slice(0, -1))
        assert.ok(existsSync(join(root, source)), `COPY ${source}: missing`);
    }
  });

  it('set only environment variables the code reads', () => {
    for (const name of Object.keys(backendEnv)) {
      if (name === 'NODE_ENV') continue;
      assert.match(cliSource, new RegExp(`env\\.${name}\\b`), `the server CLI does not read ${name}`);
    }
    for (const name of Object.keys(compose.services.simulator!.environment ?? {})) {
      assert.match(simulatorSource, new RegExp(`env\\.${name}\\b`), `demo/simulate.ts does not read ${name}`);
    }
  });

  it('give the backend a configuration the server accepts on 0.0.0.0, with Redis at the redis service', () => {
    const args = parseCliArgs([], backendEnv);
    assert.ok(!args.help);
    const config = resolveConfig(args.config);
    assert.equal(config.host, '0.0.0.0');
    assert.doesNotThrow(() => assertSafeBinding(config, config.host));
    assert.equal(new URL(backendEnv.REDIS_URL!).hostname, 'redis');
  });

  it('point the simulator at the backend service and a script that exists', () => {
    const simulator = compose.services.simulator!;
    const url = new URL(simulator.environment!.PULSE_URL!);
    assert.equal(url.hostname, 'backend');
    assert.equal(url.port, backend.environment!.PORT);
    assert.ok(existsSync(join(root, simulator.command!.at(-1)!)));
  });
});
