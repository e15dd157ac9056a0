import net from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive client over one socket. Requests may be
 * pipelined: they reach the server in the order they were written, which the
 * event driver relies on to keep its sequence numbers in order; responses
 * (Content-Length or chunked) are matched to requests in order. The load generators use it
 * instead of `http.request` because on a 2-core machine every microsecond the
 * client spends is taken from the server under test; Node's full client costs
 * several times more per request.
 */
export interface Reply {
  status: number;
  body: string;
}

export class KeepAliveConn {
  private socket: net.Socket | null = null;
  private buf = '';
  private waiters: { resolve(r: Reply): void; reject(e: Error): void }[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  request(method: string, path: string, body?: string): Promise<Reply> {
    const socket = this.socket ?? this.connect();
    const head =
      `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\nconnection: keep-alive\r\n` +
      (body === undefined
        ? '\r\n'
        : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      socket.write(head);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): net.Socket {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      this.parse();
    });
    const fail = (err: Error) => {
      if (this.socket === socket) this.socket = null;
      this.buf = '';
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('socket closed')));
    this.socket = socket;
    return socket;
  }

  private parse(): void {
    while (this.parseOne()) {}
  }

  private parseOne(): boolean {
    const headEnd = this.buf.indexOf('\r\n\r\n');
    if (headEnd === -1 || this.waiters.length === 0) return false;
    const head = this.buf.slice(0, headEnd).toLowerCase();
    const status = Number(head.slice(9, 12));
    const bodyStart = headEnd + 4;
    let body: string;
    let end: number;
    const len = /\r\ncontent-length: *(\d+)/.exec(head);
    if (len) {
      end = bodyStart + Number(len[1]);
      if (this.buf.length < end) return false;
      body = this.buf.slice(bodyStart, end);
    } else if (head.includes('transfer-encoding: chunked')) {
      const term = this.buf.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
      if (term === -1) return false;
      end = term + 7;
      body = this.buf.slice(bodyStart, term);
    } else {
      end = bodyStart;
      body = '';
    }
    this.buf = this.buf.slice(end);
    const w = this.waiters.shift()!;
    if (head.includes('\r\nconnection: close')) this.close();
    w.resolve({ status, body });
    return true;
  }
}
