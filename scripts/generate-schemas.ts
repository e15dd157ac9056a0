/**
 * Generates the protocol's machine-readable contract from the server's zod
 * schemas (the ones that validate requests, and the ones a test holds every
 * emitted event to), so the documents cannot drift from the code:
 *
 *   packages/protocol/schema/requests/<name>.json   JSON Schema of each request body
 *   packages/protocol/schema/events/<event>.json    JSON Schema of each event's payload
 *   docs/openapi.json                               OpenAPI 3.1: every endpoint, body, answer and error
 *
 *   npm run generate
 *
 * The output is committed; packages/server/test/schemas.test.ts fails when it is stale.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEAD_LETTER_LIMITS, EVENT_TYPES, LIMITS } from '@pulseboard/protocol';
import { z } from 'zod';
import {
  ACTION_LIST,
  actionResultSchema,
  requestActionSchema,
} from '../packages/server/src/actions/schemas.js';
import { deadLettersBodySchema } from '../packages/server/src/dead-letters/schema.js';
import {
  actionSchema,
  eventPayloadSchemas,
  resourceSchema,
  workerSchema,
} from '../packages/server/src/schemas/events.js';
import { responseSchemas } from '../packages/server/src/schemas/responses.js';
import {
  deregisterBatchSchema,
  heartbeatBatchSchema,
  heartbeatSchema,
  logsSchema,
  PAGE_SIZE,
  registerBatchSchema,
  registerSchema,
  resourceBodySchema,
} from '../packages/server/src/validation.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const schemaDir = 'packages/protocol/schema';

/** Request bodies, by file name (and OpenAPI component name). */
const requests = {
  'register-worker': { schema: registerSchema, component: 'RegisterWorkerBody', title: 'POST /api/workers' },
  'register-worker-batch': {
    schema: registerBatchSchema,
    component: 'RegisterWorkerBatchBody',
    title: 'POST /api/workers (a batch)',
  },
  'deregister-worker-batch': {
    schema: deregisterBatchSchema,
    component: 'DeregisterWorkerBatchBody',
    title: 'DELETE /api/workers',
  },
  heartbeat: {
    schema: heartbeatSchema,
    component: 'HeartbeatBody',
    title: 'POST /api/workers/{id}/heartbeat',
  },
  'heartbeat-batch': {
    schema: heartbeatBatchSchema,
    component: 'HeartbeatBatchBody',
    title: 'POST /api/heartbeats',
  },
  logs: { schema: logsSchema, component: 'LogsBody', title: 'POST /api/workers/{id}/logs' },
  resource: { schema: resourceBodySchema, component: 'ResourceBody', title: 'PUT /api/resources/{id}' },
  'dead-letters': {
    schema: deadLettersBodySchema,
    component: 'DeadLettersBody',
    title: 'POST /api/workers/{id}/dead-letters',
  },
  'request-action': {
    schema: requestActionSchema,
    component: 'RequestActionBody',
    title: 'POST /api/actions',
  },
  'action-result': {
    schema: actionResultSchema,
    component: 'ActionResultBody',
    title: 'POST /api/actions/{id}/result',
  },
};

/**
 * `input`: what each schema accepts. Requests are strict objects either way (unknown keys are
 * errors); the answers and events are open, so a client checking them survives a field added later.
 */
const options = { io: 'input' } as const;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** One self-contained JSON Schema document (models inlined), titled. */
function standalone(schema: z.ZodType, title: string): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(schema, options);
  return { $schema, title, ...rest };
}

const pascal = (event: string) => event.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase());

function openApi(): Record<string, unknown> {
  // Components reference each other by name: one registry gives every schema its id.
  const components = z.registry<{ id: string }>();
  components.add(workerSchema, { id: 'Worker' });
  components.add(resourceSchema, { id: 'Resource' });
  components.add(actionSchema, { id: 'Action' });
  for (const { schema, component } of Object.values(requests)) components.add(schema, { id: component });
  for (const [name, schema] of Object.entries(responseSchemas)) components.add(schema, { id: name });
  for (const type of EVENT_TYPES) components.add(eventPayloadSchemas[type], { id: `${pascal(type)}Payload` });
  const { schemas } = z.toJSONSchema(components, { ...options, uri: (id) => `#/components/schemas/${id}` });
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }

  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const jsonContent = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
  const error = (description: string, headers?: Record<string, unknown>) => ({
    description,
    ...(headers ? { headers } : {}),
    ...jsonContent('ErrorBody'),
  });
  const errors = (...names: string[]) =>
    Object.fromEntries(names.map((name) => [name, { $ref: `#/components/responses/${name}` }]));
  const answer = (description: string, component: string) => ({ description, ...jsonContent(component) });
  const read = [{ readToken: [] }];
  /** A dashboard-side read: one JSON answer. */
  const readOperation = (operationId: string, summary: string, description: string, component: string) => ({
    operationId,
    summary,
    security: read,
    responses: { '200': answer(description, component), ...errors('401', '403', '421', '503') },
  });
  /** A worker-side write: a JSON body in, the answers given, and the errors every body can get. */
  const writeOperation = (
    operationId: string,
    summary: string,
    request: string | null,
    responses: Record<string, unknown>,
  ) => ({
    operationId,
    summary,
    security: [{ workerToken: [] }],
    ...(request ? { requestBody: { required: true, ...jsonContent(request) } } : {}),
    responses: {
      ...responses,
      ...errors('400', '401', '403', ...(request ? ['413', '415'] : []), '421', '503'),
    },
  });
  const idParameter = { $ref: '#/components/parameters/id' };
  /** An action stream (a worker's or a fleet's): `lead` goes before what both have in common. */
  const actionStreamOperation = (operationId: string, summary: string, lead: string, codes: string[]) => ({
    operationId,
    summary,
    description:
      `${lead}text/event-stream: a retry: line, a ready event (with id: on a fresh start), then an action event ` +
      '(data: an ActionDelivery, id: its delivery number) per action. Resume with Last-Event-ID: the ' +
      'actions sent after it and not answered come again, so each arrives once.',
    security: [{ workerToken: [] }],
    parameters: [
      {
        name: 'Last-Event-ID',
        in: 'header',
        description: 'The last delivery number received.',
        schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
      },
    ],
    responses: {
      '200': {
        description: 'The stream.',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
        'x-events': { ready: { type: 'object' }, action: ref('ActionDelivery') },
      },
      ...errors('400', '401', '403', ...codes, '421', '503'),
    },
  });

  return {
    openapi: '3.1.0',
    info: {
      title: 'Pulseboard',
      version: JSON.parse(readFileSync(join(root, 'packages/server/package.json'), 'utf8')).version,
      description:
        'Workers report over the worker API; dashboards read the /events Server-Sent-Events stream. ' +
        "Generated from the server's zod schemas by scripts/generate-schemas.ts; docs/protocol.md is the prose. " +
        'Every error is an ErrorBody; besides the ones listed, any path answers 404 not_found when unknown, ' +
        '405 method_not_allowed for a method it does not take, and 501 not_implemented for one no path takes.',
    },
    paths: {
      '/events': {
        get: {
          operationId: 'streamEvents',
          summary: 'The event stream',
          description:
            'text/event-stream: a retry: line, then initial_data (or the replay after Last-Event-ID), then live ' +
            'events. Every message has id:, event: and one data: line of JSON; x-events names the schema of ' +
            "each event's data.",
          security: [{ readToken: [] }, { readTokenQuery: [] }],
          parameters: [
            {
              name: 'Last-Event-ID',
              in: 'header',
              description: 'Resume after this id (an EventSource sends it by itself).',
              schema: { type: 'string', maxLength: 64 },
            },
            {
              name: 'lastEventId',
              in: 'query',
              description: 'Resume after this id on a first connection; the header wins.',
              schema: { type: 'string', maxLength: 64 },
            },
            {
              name: 'types',
              in: 'query',
              description:
                'Only these events (comma separated or repeated); initial_data, ping and reconnect always.',
              schema: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] } },
              style: 'form',
              explode: false,
            },
            {
              name: 'workers',
              in: 'query',
              description: 'Only events about these workers (comma separated or repeated, up to 1000).',
              schema: {
                type: 'array',
                items: { type: 'string', pattern: LIMITS.idPattern.source },
                maxItems: 1000,
              },
              style: 'form',
              explode: false,
            },
          ],
          responses: {
            '200': {
              description: 'The stream (HEAD: its headers only).',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
              'x-events': Object.fromEntries(
                EVENT_TYPES.map((type) => [type, ref(`${pascal(type)}Payload`)]),
              ),
            },
            ...errors('400', '401', '403', '421'),
            '500': error(
              'internal: the snapshot or replay could not be read (logged); /healthz is degraded.',
            ),
            '503': error(
              'shutting_down (the server is closing), storage_unavailable, or too_many_streams (past ' +
                '--max-streams, or --max-streams-per-client from one address); retry after Retry-After.',
              { 'Retry-After': { schema: { type: 'integer' } } },
            ),
          },
        },
      },
      '/api/workers': {
        get: {
          ...readOperation(
            'listWorkers',
            'The registered workers, a page at a time',
            'A page.',
            'WorkerList',
          ),
          parameters: [
            {
              name: 'limit',
              in: 'query',
              description: 'Workers per page.',
              schema: { type: 'integer', minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default },
            },
            {
              name: 'cursor',
              in: 'query',
              description: "The previous page's nextCursor: the workers after it, in id order.",
              schema: { type: 'string', pattern: LIMITS.idPattern.source },
            },
          ],
        },
        post: {
          ...writeOperation(
            'registerWorker',
            `Register a worker (idempotent: a known id is refreshed), or up to ${LIMITS.registerBatchMax} in one batch, each applied whole or not at all`,
            null,
            {
              '201': answer('Registered.', 'RegisterWorkerResponse'),
              '200': {
                description:
                  'One worker: already known, refreshed. A batch: one result per item, in order (an item that failed changed nothing).',
                content: {
                  'application/json': {
                    schema: { oneOf: [ref('RegisterWorkerResponse'), ref('RegisterWorkerBatchResponse')] },
                  },
                },
              },
              ...errors('413', '415', '429'),
            },
          ),
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { oneOf: [ref('RegisterWorkerBody'), ref('RegisterWorkerBatchBody')] },
              },
            },
          },
        },
        delete: writeOperation(
          'deregisterWorkers',
          `Deregister up to ${LIMITS.registerBatchMax} workers in one request, each answered on its own (worker_deregistered, reason requested)`,
          'DeregisterWorkerBatchBody',
          {
            '200': answer(
              'One result per id, in order (unknown_worker for an id not registered; a failed item changed nothing). 413 past 1,000 ids or the batch body limit (1 MiB by default).',
              'DeregisterWorkerBatchResponse',
            ),
          },
        ),
      },
      '/api/workers/{id}': {
        parameters: [idParameter],
        delete: writeOperation(
          'deregisterWorker',
          'Deregister a worker (worker_deregistered, reason requested)',
          null,
          { '204': { description: 'Gone.' }, ...errors('404') },
        ),
      },
      '/api/workers/{id}/heartbeat': {
        parameters: [idParameter],
        post: writeOperation('heartbeat', 'A heartbeat, with any state that changed', 'HeartbeatBody', {
          '200': answer('Alive.', 'HeartbeatResponse'),
          ...errors('404', '429'),
        }),
      },
      '/api/heartbeats': {
        post: writeOperation(
          'heartbeats',
          `Heartbeats of up to ${LIMITS.heartbeatBatchMax} workers, each applied whole or not at all`,
          'HeartbeatBatchBody',
          {
            '200': answer(
              'One result per item, in order (an item that failed changed nothing). 413 past 1,000 items or the batch body limit (1 MiB by default).',
              'HeartbeatBatchResponse',
            ),
          },
        ),
      },
      '/api/workers/{id}/logs': {
        parameters: [idParameter],
        post: writeOperation('sendLogs', 'Log lines (1 to 1000)', 'LogsBody', {
          '202': answer('Accepted.', 'LogsAccepted'),
          ...errors('404'),
        }),
      },
      '/api/workers/{id}/dead-letters': {
        parameters: [idParameter],
        post: writeOperation(
          'reportDeadLetters',
          `Change the dead letters of the worker's queue: removed, then up to ${DEAD_LETTER_LIMITS.batchMax} added (or replace the list)`,
          'DeadLettersBody',
          {
            '200': answer(
              'Applied (long text and big payloads clipped, the list kept within its bounds). 413 past 1,000 added or the batch body limit (1 MiB by default).',
              'DeadLettersResponse',
            ),
            '404': error(
              'unknown_worker (register again), or unknown_queue: the worker consumes another queue.',
            ),
          },
        ),
      },
      '/api/dead-letters': {
        get: {
          ...readOperation(
            'listDeadLetters',
            "A queue's dead letters, newest first, a page at a time",
            'A page.',
            'DeadLetterPage',
          ),
          responses: {
            ...readOperation('', '', 'A page.', 'DeadLetterPage').responses,
            '404': error('unknown_queue: no worker consumes the queue and it has no dead letters.'),
          },
          parameters: [
            {
              name: 'queue',
              in: 'query',
              required: true,
              schema: { type: 'string', minLength: 1, maxLength: LIMITS.queueMax },
            },
            {
              name: 'worker',
              in: 'query',
              description: "Only this worker's entries.",
              schema: { type: 'string', pattern: LIMITS.idPattern.source },
            },
            {
              name: 'limit',
              in: 'query',
              description: 'Entries per page.',
              schema: { type: 'integer', minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default },
            },
            {
              name: 'cursor',
              in: 'query',
              description: "The previous page's nextCursor.",
              schema: { type: 'string' },
            },
          ],
        },
      },
      '/api/history': {
        get: {
          operationId: 'history',
          summary: "The fleet's or one worker's downsampled history",
          security: read,
          responses: {
            '200': answer(
              'Every field on one grid of buckets: 10 s when the range lies within the last hour, else 1 min.',
              'HistoryResponse',
            ),
            ...errors('400', '401', '403', '404', '421', '503'),
          },
          parameters: [
            {
              name: 'worker',
              in: 'query',
              description: "A registered worker's id; left out: the fleet's aggregates.",
              schema: { type: 'string', pattern: LIMITS.idPattern.source },
            },
            {
              name: 'from',
              in: 'query',
              description: 'Epoch ms; default: an hour before to. Earlier than 24 h ago: from 24 h ago.',
              schema: { type: 'integer', minimum: 0 },
            },
            {
              name: 'to',
              in: 'query',
              description:
                'Epoch ms, after from and at most 24 h after it; default: now. Only closed buckets are answered.',
              schema: { type: 'integer', minimum: 0 },
            },
          ],
        },
      },
      '/api/actions': {
        get: {
          ...readOperation(
            'listActions',
            'Recent actions: the open ones and the latest completed',
            'Newest first.',
            'ActionList',
          ),
          parameters: [
            {
              name: 'limit',
              in: 'query',
              description: 'Actions at most.',
              schema: { type: 'integer', minimum: 1, maximum: ACTION_LIST.max, default: ACTION_LIST.default },
            },
          ],
        },
        post: {
          operationId: 'requestAction',
          summary: 'Ask a worker to perform an action it declared (action_requested)',
          security: [{ operateToken: [] }],
          requestBody: { required: true, ...jsonContent('RequestActionBody') },
          responses: {
            '202': answer('Pending: the worker gets it on its stream or heartbeat.', 'ActionAccepted'),
            '400': error(
              'invalid_body, or invalid_params (issues lists each parameter that fails the declaration).',
            ),
            '404': error('unknown_worker, or unknown_action: the worker declares no such action.'),
            '409': error('worker_offline.'),
            '429': error(
              'rate_limited (30 requests per 10 s per token and instance) or too_many_actions (100 open per worker).',
              { 'Retry-After': { schema: { type: 'integer' } } },
            ),
            ...errors('401', '403', '413', '415', '421', '503'),
          },
        },
      },
      '/api/actions/{id}/result': {
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: "An action's id.",
            schema: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
          },
        ],
        post: writeOperation('actionResult', "The worker's answer (action_completed)", 'ActionResultBody', {
          '200': answer('Completed.', 'ActionResponse'),
          '404': error('unknown_action: no such action (or completed long ago).'),
          '409': error('already_completed: answered before, or timed out.'),
        }),
      },
      '/api/workers/{id}/actions': {
        parameters: [idParameter],
        get: actionStreamOperation('actionStream', "The worker's actions, as Server-Sent Events", '', [
          '404',
        ]),
      },
      '/api/fleets/{id}/actions': {
        parameters: [idParameter],
        get: actionStreamOperation(
          'fleetActionStream',
          'The actions of every worker registered with this fleet, as Server-Sent Events',
          'As the worker stream, for every worker registered with fleet: this id (each delivery names its ' +
            'worker); a worker holding a stream of its own gets its actions there. An unknown fleet is ' +
            'served (its workers may come later). ',
          [],
        ),
      },
      '/api/resources': {
        get: readOperation('listResources', 'Every resource', 'The resources.', 'ResourceList'),
      },
      '/api/resources/{id}': {
        parameters: [idParameter],
        put: writeOperation(
          'putResource',
          'Report a resource (fields left out keep their value)',
          'ResourceBody',
          { '200': answer('Stored.', 'ResourceResponse'), ...errors('429') },
        ),
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          security: read,
          responses: {
            '200': {
              description: 'Prometheus text format.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...errors('401', '403'),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness, for load balancers (no token)',
          security: [],
          responses: {
            '200': { description: 'ok.', ...jsonContent('Health') },
            '503': {
              description:
                'degraded (storage unreachable, or initial_data cannot be built) or shutting_down.',
              ...jsonContent('Health'),
            },
          },
        },
      },
    },
    components: {
      schemas,
      parameters: {
        id: {
          name: 'id',
          in: 'path',
          required: true,
          description: 'A worker or resource id.',
          schema: { type: 'string', pattern: LIMITS.idPattern.source },
        },
      },
      responses: {
        '400': error(
          'invalid_json, invalid_body, invalid_id, invalid_timestamp, invalid_filter, invalid_query or ' +
            'invalid_range; ' +
            'issues lists the bad fields.',
        ),
        '401': error('unauthorized (no token) or invalid_token.', {
          'WWW-Authenticate': { schema: { type: 'string' } },
        }),
        '403': error('forbidden: a valid token of the other kind.'),
        '404': error('unknown_worker: register again.'),
        '413': error('payload_too_large: the body is over the limit (64 KiB by default).'),
        '415': error('unsupported_media_type: send application/json.'),
        '421': error(
          'misdirected_request: a kind with no tokens answers only Host localhost, 127.0.0.1 or [::1] ' +
            '(unless --allow-anonymous).',
        ),
        '429': error(
          'registry_full: a new worker past --max-workers, or a new resource past --max-resources.',
        ),
        '503': error('storage_unavailable: retry after Retry-After.', {
          'Retry-After': { schema: { type: 'integer' } },
        }),
      },
      securitySchemes: {
        readToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A read token (--read-token, PULSE_READ_TOKENS). A server with no read tokens configured does not ask for one.',
        },
        readTokenQuery: {
          type: 'apiKey',
          in: 'query',
          name: 'access_token',
          description: 'A read token in the URL, for EventSource (it cannot send headers); /events only.',
        },
        operateToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An operate token (--operate-token, PULSE_OPERATE_TOKENS; label=secret names who acted). It reads too. A server with no operate tokens lets nobody operate, unless reads are open.',
        },
        workerToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A worker token (--worker-token, PULSE_WORKER_TOKENS). A server with no worker tokens configured does not ask for one.',
        },
      },
    },
  };
}

/** Every generated file, by its path from the repository root. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, { schema, title }] of Object.entries(requests)) {
    files.set(`${schemaDir}/requests/${name}.json`, json(standalone(schema, `${title} body`)));
  }
  for (const type of EVENT_TYPES) {
    files.set(
      `${schemaDir}/events/${type}.json`,
      json(standalone(eventPayloadSchemas[type], `${type} payload`)),
    );
  }
  files.set('docs/openapi.json', json(openApi()));
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // The schema folder holds generated files only: a schema that is no longer generated goes.
  rmSync(join(root, schemaDir), { recursive: true, force: true });
  for (const [path, content] of generatedFiles()) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}
