// CLI: radar tokens create|list|revoke — API tokens for /api/v1 (docs/api.md). A token is printed
// once, by create, and never logged; only its SHA-256 is stored.
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';

export function registerTokenCommands(program: Command, context: CliContext): void {
  const tokens = program.command('tokens').description('API tokens for the REST API of radar serve (/api/v1)');
  tokens
    .command('create')
    .description('Create a token and print it once (only its hash is stored)')
    .requiredOption('--name <name>', 'what uses it, e.g. crm-sync (unique among live tokens)')
    .option('--scopes <list>', 'comma-separated: read, tasks:write, alerts:write', 'read')
    .action(async (options: { name: string; scopes: string }) => {
      const { createToken, parseScopes } = await import('../../api/tokens.ts');
      const scopes = parseScopes(options.scopes);
      const db = await context.database();
      const { token, row } = await createToken(db, { name: options.name, scopes, now: new Date() });
      context.logger.info({ event: 'api_token_created', tokenId: row.tokenId, name: row.name, scopes: row.scopes });
      context.out.data({ id: row.tokenId, name: row.name, scopes: row.scopes, token }, () => {
        context.out.line(`token "${row.name}" (#${row.tokenId}, scopes ${row.scopes.join(', ')}):`);
        context.out.line(`  ${token}`);
        context.out.line('Store it now: it is not shown again. Send it as "Authorization: Bearer <token>".');
      });
    });
  tokens
    .command('list')
    .description('Tokens with their scopes, last use and revocation (never the tokens themselves)')
    .action(async () => {
      const { listTokens } = await import('../../api/tokens.ts');
      const rows = await listTokens(await context.database());
      context.out.data(rows, () => {
        if (rows.length === 0) context.out.line('no tokens (radar tokens create --name NAME --scopes read)');
        for (const row of rows) {
          const used = row.lastUsedAt ? `last used ${row.lastUsedAt.toISOString()}` : 'never used';
          context.out.line(`#${row.tokenId} ${row.name.padEnd(20)} ${row.scopes.join(',').padEnd(32)} created ${row.createdAt.toISOString()}, ${used}${row.revokedAt ? `, REVOKED ${row.revokedAt.toISOString()}` : ''}`);
        }
      });
    });
  tokens
    .command('revoke <nameOrId>')
    .description('Revoke a live token by name or id: its requests are answered 401 from now on')
    .action(async (nameOrId: string) => {
      const { revokeToken } = await import('../../api/tokens.ts');
      const row = await revokeToken(await context.database(), nameOrId, new Date());
      context.logger.info({ event: 'api_token_revoked', tokenId: row.tokenId, name: row.name });
      context.out.data({ id: row.tokenId, name: row.name, revokedAt: row.revokedAt }, () => context.out.line(`token "${row.name}" (#${row.tokenId}) revoked`));
    });
}
