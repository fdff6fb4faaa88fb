import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

// GET / is what benchmarks hammer: body and headers are built once, and writeHead takes the
// flat [name, value, ...] form, which Node copies without normalising an object.
const ROOT_BODY = Buffer.from('ok');
const ROOT_HEADERS = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(ROOT_BODY.length)];

/** The precomputed `200 ok` answer of `GET /` and other "small 200" routes. */
export function sendRootOk(res: ServerResponse): void {
  res.writeHead(200, ROOT_HEADERS);
  res.end(ROOT_BODY);
}

/** A small `200 ok` that also carries extra headers (e.g. Set-Cookie). */
export function sendOk(res: ServerResponse, headers: OutgoingHttpHeaders): void {
  res.writeHead(200, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': ROOT_BODY.length });
  res.end(ROOT_BODY);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: OutgoingHttpHeaders): void {
  const payload = Buffer.from(JSON.stringify(body));
  if (headers) for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length });
  res.end(payload);
}

/** Error answers share one shape: `{ error: <stable reason>, message: <human text>, ...extra }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  extra?: Record<string, unknown>,
  headers?: OutgoingHttpHeaders,
): void {
  sendJson(res, status, { error, message, ...extra }, headers);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  const payload = Buffer.from(text);
  res.writeHead(status, { 'content-type': contentType, 'content-length': payload.length });
  res.end(payload);
}
