import type { ServerResponse } from 'node:http';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON body, serialized, and its length in bytes. */
export interface PreparedJson {
  json: string;
  length: number;
}

export function prepareJson(payload: unknown): PreparedJson {
  const json = JSON.stringify(payload);
  return { json, length: Buffer.byteLength(json) };
}

/** Answers with a JSON body straight from node:http, for the answers given ahead of Koa. */
export function writeJson(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers?: Record<string, string>,
): void {
  writePreparedJson(res, status, prepareJson(payload), headers);
}

/** `writeJson` with the body serialized already (one kept for an answer given many times). */
export function writePreparedJson(
  res: ServerResponse,
  status: number,
  { json, length }: PreparedJson,
  headers?: Record<string, string>,
): void {
  // Most answers add no header: no object spread for them (heartbeats are the hot path).
  res.writeHead(
    status,
    headers === undefined
      ? { 'Content-Type': JSON_TYPE, 'Content-Length': length }
      : { ...headers, 'Content-Type': JSON_TYPE, 'Content-Length': length },
  );
  res.end(json);
}
