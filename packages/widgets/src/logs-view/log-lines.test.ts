import { expect } from '@open-wc/testing';
import { LOG_LEVELS, type LogLevel } from '@pulseboard/protocol';
import fc from 'fast-check';
import { LogRing } from '../store/log-ring.js';
import type { LogLine } from '../store/types.js';
import { FilteredLines } from './log-lines.js';

interface Filter {
  min: number;
  worker: string;
  needle: string;
}

const keep =
  ({ min, worker, needle }: Filter) =>
  (l: LogLine) =>
    LOG_LEVELS.indexOf(l.level) >= min && (!worker || l.workerId === worker) && l.message.includes(needle);

type Draft = Omit<LogLine, 'seq'>;

const draft = (level: LogLevel, workerId: string, message: string): Draft => ({
  at: 0,
  level,
  workerId,
  workerName: workerId,
  message,
  kind: 'log',
});

const draftArb = fc
  .tuple(fc.constantFrom(...LOG_LEVELS), fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'xy', 'y', 'z'))
  .map(([level, worker, message]) => draft(level, worker, message));

// Few filters, so that consecutive views often share one (the incremental path) and sometimes not.
const filterArb = fc.constantFrom<Filter>(
  { min: 0, worker: '', needle: '' },
  { min: 0, worker: '', needle: '' },
  { min: 1, worker: 'a', needle: '' },
  { min: 2, worker: '', needle: 'x' },
);

type Op = { kind: 'append'; lines: Draft[] } | { kind: 'view'; filter: Filter; capacity: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      lines: fc.array(draftArb, { maxLength: 12 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('view' as const),
      filter: filterArb,
      capacity: fc.integer({ min: 0, max: 30 }),
    }),
  },
);

/** A store's way of appending: numbered on from the newest line. */
function append(ring: LogRing<LogLine>, drafts: readonly Draft[]): LogRing<LogLine> {
  const last = ring.at(ring.size - 1)?.seq ?? 0;
  return ring.append(drafts.map((d, i) => ({ ...d, seq: last + 1 + i })));
}

describe('FilteredLines', () => {
  it('gives exactly what filtering the newest `capacity` lines gives, whatever happened since the last view', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }), fc.array(opArb, { maxLength: 60 }), (kept, ops) => {
        const view = new FilteredLines();
        let ring = LogRing.empty<LogLine>(kept);
        for (const op of ops) {
          if (op.kind === 'append') {
            ring = append(ring, op.lines);
            continue;
          }
          const all = ring.toArray();
          const want = all.slice(Math.max(0, all.length - op.capacity)).filter(keep(op.filter));
          const key = `${op.filter.min}|${op.filter.worker}|${op.filter.needle}`;
          const total = view.filter(ring, op.capacity, key, keep(op.filter));
          expect(view.shown(0, total)).to.deep.equal(want);
          expect(view.shown(1, 3)).to.deep.equal(want.slice(1, 3));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the newest lines of a long stream, and its view in step', () => {
    const view = new FilteredLines();
    const keepB = (l: LogLine) => l.workerId === 'b';
    let ring = LogRing.empty<LogLine>(3000);
    for (let i = 0; i < 5000; i += 100) {
      ring = append(
        ring,
        Array.from({ length: 100 }, (_, j) => draft('info', (i + j) % 3 ? 'a' : 'b', String(i + j))),
      );
      const total = view.filter(ring, 2000, 'b', keepB);
      expect(view.shown(0, total)).to.deep.equal(ring.toArray().slice(-2000).filter(keepB));
    }
  });
});
