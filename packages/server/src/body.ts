import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors.js';

/** Rejects keys that could reach an object's prototype, wherever they appear. */
function reviver(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new HttpError(400, 'invalid_body', 'Key "__proto__" is not allowed');
  return value;
}

export function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'payload_too_large', `Body exceeds ${limit} bytes`);
}

/** The media type of a Content-Type header, lower-cased and without parameters ('' when absent). */
function mediaType(header: string | undefined): string {
  if (!header) return '';
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Reads a JSON request body: 415 unless `application/json`, 413 past `limit`
 * bytes (before reading when Content-Length says so), 400 when malformed or
 * missing. The header checks are written out rather than `ctx.is()`: on the
 * heartbeat path, type-is cost more than reading and parsing the body. Given
 * `res`, a body that has arrived whole is taken as it is (see readBody).
 */
export async function readJson(req: IncomingMessage, limit: number, res?: ServerResponse): Promise<unknown> {
  return parseJson(await readBody(req, limit, res));
}

/** `readJson`, with the body's size: for a route whose limit depends on what the body turns out to be. */
export async function readSizedJson(
  req: IncomingMessage,
  limit: number,
): Promise<{ value: unknown; bytes: number }> {
  const raw = await readBody(req, limit);
  return { value: parseJson(raw), bytes: raw.length };
}

/**
 * The body's bytes, after the header checks. A small body comes in the same packet as its headers,
 * and node:http parses it right after the request event: a turn of microtasks later (node:http runs
 * them once it hands over the body, before it marks the request complete) it is buffered in `req`
 * whole, and is taken from there with no listener, closure or stream event (heartbeats are the hot
 * path). Only while `res` holds the connection: an earlier request on it (pipelined) may still be
 * streaming its body, and is applied first. Otherwise the body is streamed.
 */
async function readBody(req: IncomingMessage, limit: number, res?: ServerResponse): Promise<Buffer> {
  const { headers } = req;
  const type = mediaType(headers['content-type']);
  // A body is declared by a length or by chunking. `Content-Length: 0` declares none (type-is would say
  // it does, and an empty POST from a client that always sends a length would then be a 415).
  const length = headers['content-length'];
  const hasBody = headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  // Missing JSON is malformed JSON, unless the request declared some other type.
  if (!hasBody && (type === '' || type === 'application/json')) {
    throw new HttpError(400, 'invalid_json', 'Malformed JSON: the body is empty');
  }
  if (type !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
  }
  if (Number(length) > limit) throw tooLarge(limit);
  // A chunked body's length is known only at its end, after that turn: it is streamed.
  if (!res?.socket || length === undefined) return streamed(req, limit);
  const whole = () => !req.readableDidRead && req.readableLength === Number(length);
  if (!whole()) await undefined;
  return whole() ? buffered(req) : streamed(req, limit);
}

/** A body wholly received and within its Content-Length: what node:http buffered (its end event follows by itself). */
function buffered(req: IncomingMessage): Buffer {
  return req.read() as Buffer;
}

function streamed(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      // Past the limit the rest is read and dropped instead of destroying the socket, so the 413 arrives.
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) reject(tooLarge(limit));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    // The client went away mid-body (ECONNRESET "aborted"): its mistake, not a server error to log.
    req.on('error', () => reject(new HttpError(400, 'invalid_json', 'The request body ended early')));
  });
}

/** The body parsed, `__proto__` keys refused; 400 when malformed. */
function parseJson(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  try {
    // A reviver makes JSON.parse several times slower (heartbeats are the hot path), and the key can
    // only be there if its name, or a \u escape spelling it, is in the text.
    return text.includes('__proto__') || text.includes('\\u') ? JSON.parse(text, reviver) : JSON.parse(text);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'invalid_json', `Malformed JSON: ${(err as Error).message}`);
  }
}
