import type { ServerResponse } from 'node:http';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON body, serialized, its length in bytes, and the head's fields for it. */
export interface PreparedJson {
  json: string;
  length: number;
  /**
   * The fields as node:http takes them ready-made: a flat list, lower-case (it lower-cases each name
   * to recognize it, a new string a time otherwise), so an answer given many times (a heartbeat's)
   * builds no header object and node:http walks none.
   */
  fields: readonly string[];
}

export function prepareJson(payload: unknown): PreparedJson {
  const json = JSON.stringify(payload);
  const length = Buffer.byteLength(json);
  return { json, length, fields: ['content-type', JSON_TYPE, 'content-length', String(length)] };
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
  { json, length, fields }: PreparedJson,
  headers?: Record<string, string>,
): void {
  // Most answers add no header (heartbeats are the hot path): their fields as prepared.
  res.writeHead(
    status,
    headers === undefined
      ? (fields as string[])
      : { ...headers, 'Content-Type': JSON_TYPE, 'Content-Length': length },
  );
  res.end(json);
}
