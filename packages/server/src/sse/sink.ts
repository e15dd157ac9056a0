import type { ServerResponse } from 'node:http';
import { constants, createGzip, type Gzip } from 'node:zlib';

/** Where a client's bytes go: the socket directly, or through gzip flushed per write. */
export interface Sink {
  write(frame: Buffer): void;
  /** Bytes accepted but not yet handed to the kernel. */
  buffered(): number;
  /** Resolves when some buffered bytes have been flushed (or the connection closed). */
  drained(): Promise<void>;
  end(): void;
  destroy(): void;
}

export function createSink(res: ServerResponse, gzip: boolean): Sink {
  return gzip ? new GzipSink(res) : new PlainSink(res);
}

class PlainSink implements Sink {
  /** The first write went through `res`, which sent the headers with it. */
  #headed = false;

  constructor(readonly res: ServerResponse) {}

  write(frame: Buffer): void {
    const socket = this.res.socket;
    // After the headers, the body (unchunked: see sse/session.ts) is just the socket's bytes: writing
    // there skips the cork, nextTick and uncork that res.write costs per call, paid once per client per fan-out.
    if (this.#headed && socket) socket.write(frame);
    else {
      this.res.write(frame);
      this.#headed = true;
    }
  }

  buffered(): number {
    return this.res.writableLength;
  }

  drained(): Promise<void> {
    const { socket } = this.res;
    return waitForDrain(socket ? [this.res, socket] : [this.res], this.res);
  }

  end(): void {
    // Once the last frame is out, close the socket rather than wait for a peer that may be gone.
    this.res.end(() => this.res.destroy());
  }

  destroy(): void {
    this.res.destroy();
  }
}

class GzipSink implements Sink {
  readonly #gzip: Gzip;

  constructor(readonly res: ServerResponse) {
    this.#gzip = createGzip();
    this.#gzip.pipe(res);
    this.#gzip.on('error', () => res.destroy());
    res.once('close', () => this.#gzip.destroy());
  }

  write(frame: Buffer): void {
    this.#gzip.write(frame);
    // A sync flush emits everything so far as a complete deflate block: nothing waits in the encoder.
    this.#gzip.flush(constants.Z_SYNC_FLUSH);
  }

  buffered(): number {
    return this.#gzip.writableLength + this.#gzip.readableLength + this.res.writableLength;
  }

  drained(): Promise<void> {
    return waitForDrain([this.res, this.#gzip], this.res);
  }

  end(): void {
    this.res.once('finish', () => this.res.destroy());
    this.#gzip.end();
  }

  destroy(): void {
    this.res.destroy();
  }
}

/** The first 'drain' of any stream, the response closing, or a short timeout (drain is not guaranteed through pipes). */
function waitForDrain(streams: NodeJS.EventEmitter[], res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const stream of streams) stream.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, 100);
    for (const stream of streams) stream.once('drain', done);
    res.once('close', done);
  });
}
