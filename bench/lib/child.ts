/**
 * The child side of the harness's IPC: a child serves named commands and
 * replies `{id, ok, result | error}`. A child never outlives its parent: when
 * the IPC channel closes (parent exited or crashed) it exits.
 */
export type Handler = (args: Record<string, unknown>) => unknown;

export function serve(handlers: Record<string, Handler>): void {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (msg: { id: number; cmd: string; args: Record<string, unknown> }) => {
    if (msg.cmd === 'exit') {
      await handlers.exit?.({});
      process.send?.({ id: msg.id, ok: true, result: null }, () => process.exit(0));
      return;
    }
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      const result = await handler(msg.args ?? {});
      process.send?.({ id: msg.id, ok: true, result: result ?? null });
    } catch (err) {
      process.send?.({ id: msg.id, ok: false, error: err instanceof Error ? err.stack : String(err) });
    }
  });
}

export function ready(info: Record<string, unknown> = {}): void {
  process.send?.({ type: 'ready', ...info });
}
