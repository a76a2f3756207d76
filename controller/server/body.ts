/**
 * Request bodies: read up to the configured limit (413 beyond it, and the rest is not read), then parsed
 * as JSON (400 with the parser's words when it is not). Nothing a client sends here can throw past the
 * handler: every failure is an ApiError.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from './status.js';

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (limitBytes: number) => new ApiError(413, 'RequestEntityTooLarge', `request body is larger than ${limitBytes} bytes`);

/** The body as JSON; an empty body is `undefined` when `optional`, else a 400. */
export async function readJson(req: IncomingMessage, limitBytes: number, optional = false): Promise<unknown> {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
  const body = await readBody(req, limitBytes);
  if (body.length === 0) {
    if (optional) return undefined;
    throw badRequest('the request needs a JSON body');
  }
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(415, 'UnsupportedMediaType', `content-type ${JSON.stringify(type)} is not supported; send application/json`);
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${(error as Error).message}`);
  }
}
