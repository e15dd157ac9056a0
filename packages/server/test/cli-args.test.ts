/**
 * `--help` describes every flag with its default, and the defaults it states
 * are the ones the server uses: each numeric flag is parsed for real to find
 * the setting it drives, whose default `resolveConfig` gives.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCliArgs, USAGE } from '../src/cli-args.js';
import { resolveConfig, type ServerConfig } from '../src/config.js';

/** The option lines of the usage text: a flag at the start, and the lines that continue it. */
function options(): { flag: string; takes: string | null; text: string }[] {
  const found: { flag: string; takes: string | null; text: string }[] = [];
  for (const line of USAGE.split('\n')) {
    const match = /^ {2}(?:-h, )?--([a-z-]+)(?: <([a-z]+)>)?\s+(.*)$/.exec(line);
    if (match) found.push({ flag: match[1]!, takes: match[2] ?? null, text: match[3]! });
    else if (/^ {20,}\S/.test(line) && found.length) found[found.length - 1]!.text += ` ${line.trim()}`;
  }
  return found;
}

describe('pulseboard-server --help', () => {
  test('describes every flag, with its default', () => {
    const flags = options();
    assert.ok(flags.length >= 27, `${flags.length} flags`);
    for (const { flag, text } of flags) {
      if (flag === 'help') continue;
      assert.match(text, /default/, `--${flag} states its default`);
      assert.match(
        text.replace(/^[A-Z_=1]+(\s+\(comma-separated\))?\s*/, ''),
        /[a-z]{3,}/,
        `--${flag} says what it does`,
      );
    }
    // Every flag it names is one the parser takes.
    for (const { flag, takes } of flags)
      assert.doesNotThrow(
        () => parseCliArgs(takes ? [`--${flag}`, '70000'] : [`--${flag}`], {}),
        `--${flag}`,
      );
  });

  test('states the defaults the server uses', () => {
    const defaults = resolveConfig({});
    let checked = 0;
    for (const { flag, takes, text } of options()) {
      // "3 heartbeat intervals" is a rule, not a figure.
      const stated = /default (\d+)(?![\d.]| heartbeat)/.exec(text)?.[1];
      if (!takes || !stated) continue;
      // The setting the flag drives: the one a value given to it lands in.
      const parsed = parseCliArgs([`--${flag}`, '77777'], {});
      assert.equal(parsed.help, false);
      const config = (parsed as { config: Record<string, unknown> }).config;
      const key = Object.keys(config).find((k) => config[k] === 77777) as keyof ServerConfig | undefined;
      assert.ok(key, `--${flag} sets a setting`);
      assert.equal(
        String(defaults[key]),
        stated,
        `--${flag}: default ${stated}, the server's ${defaults[key]}`,
      );
      checked++;
    }
    assert.ok(checked >= 17, `${checked} numeric defaults checked`);
  });
});

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
