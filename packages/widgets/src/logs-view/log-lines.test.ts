import { expect } from '@open-wc/testing';
import { LOG_LEVELS, type LogLevel } from '@pulseboard/protocol';
import fc from 'fast-check';
import { type LogLine, LogLines } from './log-lines.js';

interface Filter {
  min: number;
  worker: string;
  needle: string;
}

const keep =
  ({ min, worker, needle }: Filter) =>
  (l: LogLine) =>
    LOG_LEVELS.indexOf(l.level) >= min && (!worker || l.workerId === worker) && l.message.includes(needle);

const line = (level: LogLevel, workerId: string, message: string): LogLine => ({
  seq: 0,
  at: 0,
  level,
  workerId,
  workerName: workerId,
  message,
  kind: 'log',
});

const lineArb = fc
  .tuple(fc.constantFrom(...LOG_LEVELS), fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'xy', 'y', 'z'))
  .map(([level, worker, message]) => line(level, worker, message));

// Few filters, so that consecutive views often share one (the incremental path) and sometimes not.
const filterArb = fc.constantFrom<Filter>(
  { min: 0, worker: '', needle: '' },
  { min: 0, worker: '', needle: '' },
  { min: 1, worker: 'a', needle: '' },
  { min: 2, worker: '', needle: 'x' },
);

type Op =
  | { kind: 'append'; lines: LogLine[]; capacity: number }
  | { kind: 'trim'; capacity: number }
  | { kind: 'view'; filter: Filter; held: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      lines: fc.array(lineArb, { maxLength: 12 }),
      capacity: fc.integer({ min: 1, max: 30 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('trim' as const), capacity: fc.integer({ min: 0, max: 30 }) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('view' as const), filter: filterArb, held: fc.boolean() }),
  },
);

describe('LogLines', () => {
  it('gives exactly what filtering every kept line gives, whatever happened since the last view', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const lines = new LogLines();
        // The model: every line appended, newest last; the newest seq given
        // out, and the newest seq on screen (held views show none newer).
        let model: LogLine[] = [];
        let capacity = Number.POSITIVE_INFINITY;
        let seq = 0;
        let shown = 0;
        for (const op of ops) {
          if (op.kind === 'append') {
            lines.append(op.lines, op.capacity);
            model = [...model, ...op.lines];
            seq += op.lines.length;
            capacity = op.capacity;
          } else if (op.kind === 'trim') {
            lines.trim(op.capacity);
            capacity = op.capacity;
          } else {
            if (!op.held) shown = seq;
            const kept = model.slice(Math.max(0, model.length - capacity));
            const want = kept.filter((l) => l.seq <= shown && keep(op.filter)(l));
            const key = `${op.filter.min}|${op.filter.worker}|${op.filter.needle}`;
            const total = lines.filter(op.held, key, keep(op.filter));
            expect(lines.shown(0, total)).to.deep.equal(want);
            expect(lines.shown(1, 3)).to.deep.equal(want.slice(1, 3));
          }
          model = model.slice(Math.max(0, model.length - capacity));
          expect(lines.all).to.deep.equal(model);
          expect(lines.size).to.equal(model.length);
          expect(lines.all.map((l) => l.seq)).to.deep.equal(
            Array.from({ length: model.length }, (_, i) => seq - model.length + 1 + i),
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the newest lines of a long stream, and its view in step', () => {
    const lines = new LogLines();
    const keepB = (l: LogLine) => l.workerId === 'b';
    const sent: LogLine[] = [];
    for (let i = 0; i < 5000; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) =>
        line('info', (i + j) % 3 ? 'a' : 'b', String(i + j)),
      );
      sent.push(...batch);
      lines.append(batch, 2000);
      const total = lines.filter(false, 'b', keepB);
      expect(lines.shown(0, total)).to.deep.equal(sent.slice(-2000).filter(keepB));
    }
    expect(lines.all).to.deep.equal(sent.slice(-2000));
  });
});
