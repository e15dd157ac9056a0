// Case (d): the server mounted at /pulse inside a Koa app and an Express app,
// each with a route of its own; a reporter and an EventSource client talk to it
// through the mount. Prints, per host, what each side saw.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createReporter } from '@pulseboard/reporter';
import { createPulseboard } from '@pulseboard/server';
import { EventSource } from 'eventsource';
import express from 'express';
import Koa from 'koa';

const tokens = { readTokens: ['read-secret'], workerTokens: ['worker-secret'] };

const hosts = {
  koa(pulse) {
    const app = new Koa();
    app.use(pulse.middleware);
    app.use((ctx) => {
      ctx.body = 'host app';
    });
    return app.callback();
  },
  express(pulse) {
    const app = express();
    app.use('/pulse', pulse.handler);
    app.get('/', (_req, res) => {
      res.send('host app');
    });
    return app;
  },
};

/** Resolves with the next `type` event whose data passes `test`; rejects after 5 s. */
function next(source, type, test = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within 5 s`)), 5000);
    const listener = (message) => {
      const data = JSON.parse(message.data);
      if (!test(data)) return;
      clearTimeout(timer);
      source.removeEventListener(type, listener);
      resolve(data);
    };
    source.addEventListener(type, listener);
  });
}

async function exercise(name) {
  const pulse = await createPulseboard({ basePath: '/pulse', ...tokens, logLevel: 'silent' });
  const server = createServer(hosts[name](pulse)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  const seen = {
    ready: pulse.ready(),
    host: await (await fetch(`${base}/`)).text(),
    anonymousRead: (await fetch(`${base}/pulse/api/workers`)).status,
  };

  const source = new EventSource(`${base}/pulse/events`, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init.headers, authorization: 'Bearer read-secret' } }),
  });
  seen.initialWorkers = (await next(source, 'initial_data')).workers.length;

  const id = `${name}-1`;
  const reporter = createReporter({
    url: `${base}/pulse`,
    token: 'worker-secret',
    worker: { id, queue: 'email' },
  });
  const registered = next(source, 'worker_registered', (data) => data.worker.id === id);
  await reporter.start();
  seen.registered = (await registered).worker.id;

  const logged = next(source, 'log', (data) => data.entries.some((entry) => entry.workerId === id));
  reporter.log('info', `hello through ${name}`);
  await reporter.flushLogs();
  seen.log = (await logged).entries.find((entry) => entry.workerId === id).message;

  const changed = next(source, 'worker_status_change', (data) => data.id === id && data.to === 'degraded');
  reporter.update({ status: 'degraded' });
  await reporter.heartbeat();
  seen.status = (await changed).to;

  const left = next(source, 'worker_deregistered', (data) => data.id === id);
  await reporter.stop();
  seen.deregistered = (await left).reason;

  source.close();
  await pulse.close();
  server.closeAllConnections();
  server.close();
  return seen;
}

/** What an anonymous mount (no tokens, no allowAnonymous) does: the error it refuses with, or null. */
async function anonymous() {
  try {
    const pulse = await createPulseboard({ basePath: '/pulse', logLevel: 'silent' });
    await pulse.close();
    return null;
  } catch (error) {
    return error.message;
  }
}

process.stdout.write(
  JSON.stringify({
    koa: await exercise('koa'),
    express: await exercise('express'),
    anonymous: await anonymous(),
  }),
);
