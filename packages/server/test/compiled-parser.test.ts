/**
 * The compiled validators of heartbeats (batch items, and single heartbeats) against zod, the
 * judge: for inputs near the schema's edges (every field valid or off by one kind of mistake),
 * ajv accepts exactly what zod accepts, so passing ajv's accepted input as is
 * never lets through what zod would refuse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LIMITS,
  METRICS_FIELDS,
  QUEUE_STATS_FIELDS,
  REPORTABLE_STATUSES,
  RESOURCE_KINDS,
  RESOURCE_STATUSES,
} from '@pulseboard/protocol';
import fc from 'fast-check';
import { CompiledParser } from '../src/compiled-parser.js';
import { HttpError } from '../src/errors.js';
import { heartbeatItemSchema, heartbeatSchema } from '../src/validation.js';

/** A value of `valid`, or now and then one that is wrong in some way a client could get it wrong. */
const field = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 30, arbitrary: valid },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constant(null),
        fc.constant(-1),
        fc.constant(Number.MAX_SAFE_INTEGER + 2),
        fc.constant('12'),
        fc.constant(true),
        fc.constant([]),
        fc.constant({}),
        fc.string(),
      ),
    },
  );

/** Mostly null, now and then a value of `arbitrary`. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 15, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

const count = fc.oneof(fc.constant(0), fc.nat(), fc.double({ min: 0, max: 1e6, noNaN: true }));
/** Strings near a limit, astral characters included: both count code points, not UTF-16 units. */
const text = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.string({ minLength: max - 1, maxLength: max + 1 }),
    // Up to `max` code points and often over `max` UTF-16 units (ajv with `unicode: false` fails here).
    fc.string({ unit: fc.constantFrom('😀', 'a'), minLength: Math.round((max * 3) / 5), maxLength: max }),
  );
const id = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,12}$/),
  fc.constant('a'.repeat(128)),
  fc.constant('a'.repeat(129)),
  fc.constant(''),
  fc.constant('w 1'),
  fc.constant('wé'),
);
/** A record of `fields`, some left out, now and then with a key it must not have. */
const figures = (fields: readonly string[], value: (name: string) => fc.Arbitrary<unknown>) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(fields.map((name) => [name, field(value(name))])), { requiredKeys: [] }),
      rarely(fc.constantFrom('extra', 'Depth', 'cpu ')),
    )
    .map(([record, extra]) => (extra ? { ...record, [extra]: 1 } : record));

const resource = fc.record(
  {
    id: field(id),
    name: field(text(LIMITS.nameMax)),
    kind: field(fc.constantFrom(...RESOURCE_KINDS, 'disk')),
    status: field(fc.constantFrom(...RESOURCE_STATUSES, 'up')),
    latencyMs: field(fc.option(count)),
    message: field(fc.option(text(LIMITS.resourceMessageMax))),
  },
  { requiredKeys: [] },
);

const item = fc
  .tuple(
    fc.record(
      {
        id: field(id),
        status: field(fc.constantFrom(...REPORTABLE_STATUSES, 'offline', 'Healthy')),
        metrics: field(
          figures(METRICS_FIELDS, (name) =>
            name === 'cpu'
              ? fc.oneof(count, fc.constant(LIMITS.cpuMax), fc.constant(LIMITS.cpuMax + 1))
              : count,
          ),
        ),
        queueStats: field(figures(QUEUE_STATS_FIELDS, () => count)),
        resources: field(fc.array(resource, { maxLength: 3 })),
      },
      { requiredKeys: ['id'] },
    ),
    // A single heartbeat's key, which a batch item must not have.
    rarely(fc.boolean()),
  )
  .map(([fields, takeActions]) => (takeActions === null ? fields : { ...fields, takeActions }));

/** A single heartbeat: the batch item without its id, `takeActions` now and then (its own key). */
const heartbeat = item.map(({ id: _id, ...fields }) => fields);

for (const [name, schema, inputs] of [
  ['a batch item', heartbeatItemSchema, item],
  ['a single heartbeat', heartbeatSchema, heartbeat],
] as const) {
  test(`the compiled validator accepts exactly what zod accepts: ${name}`, async () => {
    const parser = new CompiledParser<unknown>(schema, (err) => assert.fail(String(err)));
    const check = await parser.compile();
    let accepted = 0;
    fc.assert(
      fc.property(inputs, (input) => {
        const zod = schema.safeParse(input).success;
        assert.equal(check(input), zod, JSON.stringify(input));
        if (zod) accepted++;
      }),
      { numRuns: 5000 },
    );
    // Both sides of the line were tried.
    assert.ok(accepted > 100 && accepted < 4900, `${accepted} of 5000 valid`);
  });
}

test("the parser answers what zod answers: the item itself when valid, zod's 400 when not", async () => {
  const parser = new CompiledParser(heartbeatItemSchema, (err) => assert.fail(String(err)));
  await parser.compile();
  const valid = { id: 'w-1', queueStats: { depth: 12 } };
  assert.equal(parser.parse(valid), valid);
  const bad = { id: 'w-1', queueStats: { depth: -1 } };
  const error = (() => {
    try {
      parser.parse(bad);
    } catch (err) {
      return err;
    }
  })();
  assert.ok(error instanceof HttpError);
  assert.equal(error.status, 400);
  assert.deepEqual(error.issues?.[0]?.path, 'queueStats.depth');
});
