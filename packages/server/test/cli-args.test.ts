import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliArgs, USAGE } from '../src/cli-args.js';

test('--operate-token (repeatable, or PULSE_OPERATE_TOKENS) and --action-timeout reach the config; --help names them', () => {
  const flags = parseCliArgs(
    ['--operate-token', 'ops-alice=a', '--operate-token', 'b', '--action-timeout', '5000'],
    {},
  );
  assert.ok(!flags.help);
  assert.deepEqual(flags.config.operateTokens, ['ops-alice=a', 'b']);
  assert.equal(flags.config.actionTimeoutMs, 5000);
  const env = parseCliArgs([], { PULSE_OPERATE_TOKENS: 'ops-bob=x, c' });
  assert.ok(!env.help);
  assert.deepEqual(env.config.operateTokens, ['ops-bob=x', 'c']);
  assert.throws(() => parseCliArgs(['--action-timeout', 'soon'], {}), /--action-timeout expects a number/);
  assert.match(USAGE, /--operate-token <t>/);
  assert.match(USAGE, /--action-timeout <ms>/);
});
