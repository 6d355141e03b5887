// Fixtures for the webhook tests: a receiver on 127.0.0.1 (node:http) that verifies every request's
// Standard Webhooks signature on its own (node:crypto, written from the spec, not from alerts/webhooks)
// and answers from a script (reset the connection, never answer, 500, 200), and the endpoint config.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig, type LoadedConfig } from '../config/load.ts';

/** Two secrets as Standard Webhooks writes them: whsec_ + base64 of 32 bytes. */
export const SECRETS: Readonly<Record<string, string>> = {
  WH_OPS_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
  WH_CRM_SECRET: `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`,
};

export type Behaviour = 'reset' | 'hang' | 'error500' | 'ok';

export interface ReceivedRequest {
  readonly path: string;
  readonly id: string;
  readonly timestamp: number;
  readonly body: string;
  /** Whether the signature verified with the path's secret. */
  readonly verified: boolean;
  readonly behaviour: Behaviour;
  /** performance.now() when the request arrived and when it was answered (or dropped). */
  readonly started: number;
  ended: number;
}

/** Verifies a request the way a receiver would: HMAC-SHA256 over `id.timestamp.body` with the base64-decoded secret. */
export function verifyStandardWebhook(secret: string, headers: { id: string; timestamp: string; signature: string }, body: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${headers.id}.${headers.timestamp}.${body}`).digest();
  return headers.signature.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** The 2xx-answered requests, in the order they were answered. */
  accepted(path?: string): ReceivedRequest[];
  /** What the next requests get (consumed one per request); afterwards `fallback`. */
  script(behaviours: readonly Behaviour[], fallback?: Behaviour): void;
  close(): Promise<void>;
}

const secretFor = (path: string) => (path === '/crm' ? SECRETS.WH_CRM_SECRET! : SECRETS.WH_OPS_SECRET!);

export async function startReceiver(options: { delayMs?: number } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let queue: Behaviour[] = [];
  let fallback: Behaviour = 'ok';
  const hanging = new Set<ServerResponse>();
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const header = (name: string) => String(request.headers[name] ?? '');
    const path = request.url ?? '/';
    const verified = verifyStandardWebhook(secretFor(path), { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') }, body);
    const behaviour = verified ? (queue.shift() ?? fallback) : 'error500';
    const received: ReceivedRequest = { path, id: header('webhook-id'), timestamp: Number(header('webhook-timestamp')), body, verified, behaviour, started, ended: Number.POSITIVE_INFINITY };
    requests.push(received);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    received.ended = performance.now();
    switch (behaviour) {
      case 'reset':
        request.socket.destroy();
        return;
      case 'hang':
        hanging.add(response);
        return;
      case 'error500':
        response.writeHead(500, { 'content-type': 'text/plain' }).end(verified ? 'try later' : 'bad signature');
        return;
      case 'ok':
        response.writeHead(204).end();
    }
  };
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: (path) => requests.filter((r) => r.behaviour === 'ok' && (path === undefined || r.path === path)),
    script(behaviours, next = 'ok') {
      queue = [...behaviours];
      fallback = next;
    },
    async close() {
      for (const response of hanging) response.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Two endpoints on one receiver: `ops` (every event, standard body) and `crm` (the crm preset). Fast retries for tests. */
export function webhookConfig(receiverUrl: string, options: { maxAttempts?: number; timeoutMs?: number } = {}): LoadedConfig {
  // 1.5 s: long enough that a loaded 2-core machine answers every 'ok' in time, short enough for the 'hang's.
  const common = { timeoutMs: options.timeoutMs ?? 1500, retry: { maxAttempts: options.maxAttempts ?? 10, firstDelaySeconds: 0.02, maxDelaySeconds: 0.1 } };
  return parseConfig({
    routing: { holdoutShare: 0 },
    webhooks: [
      { id: 'ops', url: `${receiverUrl}/ops`, secretEnv: 'WH_OPS_SECRET', ...common },
      { id: 'crm', url: `${receiverUrl}/crm`, secretEnv: 'WH_CRM_SECRET', preset: 'crm', ...common },
    ],
  });
}
