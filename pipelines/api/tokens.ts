// API tokens: 32 random bytes shown once (`rr_` + base64url), stored as their SHA-256 only. A
// token of 256 random bits needs no slow hash: nobody can guess it, so a fast hash loses nothing.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { RadarError } from '../errors.ts';
import { insertApiToken, listApiTokens, revokeApiToken, type ApiTokenRow } from '../../sql/api.ts';
import type { DB } from '../../sql/schema.ts';
import { SCOPES, type Scope } from './schemas.ts';

export const TOKEN_PREFIX = 'rr_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Parses `read,tasks:write`; an unknown scope is a usage error naming it and the known ones. */
export function parseScopes(value: string): Scope[] {
  const scopes = [...new Set(value.split(',').map((part) => part.trim()).filter(Boolean))];
  if (scopes.length === 0) throw new RadarError('usage', `--scopes is empty: give one or more of ${SCOPES.join(', ')}`);
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) throw new RadarError('usage', `--scopes: unknown scope "${scope}" (known: ${SCOPES.join(', ')})`);
  }
  return scopes as Scope[];
}

export async function createToken(db: Kysely<DB>, input: { name: string; scopes: readonly Scope[]; now: Date }): Promise<{ token: string; row: ApiTokenRow }> {
  if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(input.name)) throw new RadarError('usage', `--name "${input.name}" must be 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await insertApiToken(db, { name: input.name, hash: hashToken(token), scopes: input.scopes, now: input.now });
  if (!row) throw new RadarError('usage', `a live token named "${input.name}" exists: revoke it first (radar tokens revoke ${input.name}) or choose another name`);
  return { token, row };
}

export const listTokens = listApiTokens;

export async function revokeToken(db: Kysely<DB>, nameOrId: string, now: Date): Promise<ApiTokenRow> {
  const row = await revokeApiToken(db, nameOrId, now);
  if (!row) throw new RadarError('usage', `no live token named "${nameOrId}" (radar tokens list shows them)`);
  return row;
}
