// docker-compose.yml cannot run here (no Docker), so check what it promises: Postgres 16 and Redis 7,
// health checks, named volumes, the documented ports and credentials.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

interface Service {
  image: string;
  environment?: Record<string, string>;
  ports: string[];
  volumes: string[];
  healthcheck: { test: string[] };
}

it('docker-compose.yml starts Postgres 16 and Redis 7 with health checks and named volumes', async () => {
  const document = parseDocument(await readFile(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { uniqueKeys: true });
  expect(document.errors).toEqual([]);
  const compose = document.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const { postgres, redis } = compose.services;
  expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'redis']);

  expect(postgres?.image).toBe('postgres:16');
  expect(postgres?.environment).toEqual({ POSTGRES_DB: 'radar', POSTGRES_USER: 'radar', POSTGRES_PASSWORD: 'radar' });
  expect(postgres?.ports).toEqual(['5432:5432']);
  expect(postgres?.healthcheck.test.join(' ')).toMatch(/pg_isready/);

  expect(redis?.image).toBe('redis:7');
  expect(redis?.ports).toEqual(['6379:6379']);
  expect(redis?.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);

  // Every volume a service mounts by name is declared at the top level (a named volume, not a bind mount).
  const mounted = [...(postgres?.volumes ?? []), ...(redis?.volumes ?? [])].map((volume) => volume.split(':')[0]);
  expect(mounted.sort()).toEqual(Object.keys(compose.volumes).sort());
  expect(mounted).toHaveLength(2);
});
