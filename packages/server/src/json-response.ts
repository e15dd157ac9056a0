import type { ServerResponse } from 'node:http';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Answers with a JSON body straight from node:http, for the answers given ahead of Koa. */
export function writeJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers?: Record<string, string>,
): void {
  const json = JSON.stringify(payload);
  const length = Buffer.byteLength(json);
  // Most answers add no header: no object spread for them (heartbeats are the hot path).
  res.writeHead(
    status,
    headers === undefined
      ? { 'Content-Type': JSON_TYPE, 'Content-Length': length }
      : { ...headers, 'Content-Type': JSON_TYPE, 'Content-Length': length },
  );
  res.end(json);
}
