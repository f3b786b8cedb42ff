/**
 * A raw HTTP/1.1 client over a TCP socket: sends exactly the bytes given (invalid UTF-8, bare control bytes,
 * oversized or duplicated headers, lying Content-Length), which fetch and supertest would refuse or repair.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  error?: string;
}

export type HeaderList = [string, string | Buffer][];

export function buildRequest(method: string, path: string | Buffer, headers: HeaderList, body?: string | Buffer, opts: { contentLength?: boolean } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from(`${method} `), Buffer.isBuffer(path) ? path : Buffer.from(path, 'latin1'), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n')];
  for (const [name, value] of headers) parts.push(Buffer.from(`${name}: `), Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'), Buffer.from('\r\n'));
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  if (payload && opts.contentLength !== false) parts.push(Buffer.from(`Content-Length: ${payload.length}\r\n`));
  parts.push(Buffer.from('\r\n'));
  if (payload) parts.push(payload);
  return Buffer.concat(parts);
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Sends one request and reads the answer until the server closes; status 0 if none came. */
export function rawRequest(port: number, request: Buffer, timeoutMs = 20_000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return resolve({ status: 0, headers: {}, body: data.toString('utf8'), error: error ?? 'no response' });
      const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let body: Buffer = data.subarray(end + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
      resolve({ status: Number(statusLine.split(' ')[1]) || 0, headers, body: body.toString('utf8'), error });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    socket.write(request);
  });
}
