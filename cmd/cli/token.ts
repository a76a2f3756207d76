/**
 * `longshore token create|list|revoke`: API tokens, straight in Redis (so it works for anyone who can
 * reach Redis, as the bootstrap: the first admin token is made here). `create` prints the token once;
 * only its hash is kept.
 */
import { Command, Option } from 'commander';
import { ROLES, isRole } from '../../controller/server/roles.js';
import { TokenStore, parseDuration } from '../../controller/server/tokens.js';
import { UsageError } from './errors.js';
import { formatData, outputOption, renderTable, type OutputFormat } from './output.js';
import { withSession } from './session.js';

const NAMESPACE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function tokenCommand(): Command {
  const token = new Command('token').description('manage HTTP API tokens (stored as hashes in Redis)');

  token
    .command('create')
    .description('create a token and print it (the only time it is shown)')
    .addOption(new Option('--role <role>', 'what the token may do').choices([...ROLES]).makeOptionMandatory())
    .option('--namespace <ns>', 'scope the token to one namespace (default: every namespace)')
    .option('--expires <duration>', 'lifetime, e.g. 30m, 12h, 90d (default: never)')
    .option('--description <text>', 'shown by token list')
    .action(
      withSession(async ({ redis }, options: { role: string; namespace?: string; expires?: string; description?: string }) => {
        if (!isRole(options.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        if (options.namespace !== undefined && !NAMESPACE.test(options.namespace)) throw new UsageError(`--namespace ${JSON.stringify(options.namespace)} is not a valid namespace`);
        const expiresInMs = options.expires !== undefined ? parseDuration(options.expires) : undefined;
        if (options.expires !== undefined && expiresInMs === undefined) throw new UsageError(`--expires ${JSON.stringify(options.expires)}: use a number and s, m, h or d, e.g. 12h`);
        const { token: text } = await new TokenStore(redis).create({ role: options.role, namespace: options.namespace, expiresInMs, description: options.description });
        process.stdout.write(`${text}\n`);
      }),
    );

  token
    .command('list')
    .description('list tokens (ids, roles, scopes, expiry; never the tokens)')
    .addOption(outputOption())
    .action(
      withSession(async ({ redis }, options: { output: OutputFormat }) => {
        const tokens = await new TokenStore(redis).list();
        if (options.output === 'json' || options.output === 'yaml') return void process.stdout.write(formatData(options.output, tokens));
        if (options.output === 'name') return void process.stdout.write(tokens.map((t) => `token/${t.id}\n`).join(''));
        const now = Date.now();
        const rows = tokens.map((t) => [
          t.id, t.role, t.namespace ?? '*', t.createdAt,
          t.expiresAt ? `${t.expiresAt}${Date.parse(t.expiresAt) <= now ? ' (expired)' : ''}` : 'never', t.description ?? '',
        ]);
        process.stdout.write(tokens.length ? renderTable(['ID', 'ROLE', 'NAMESPACE', 'CREATED', 'EXPIRES', 'DESCRIPTION'], rows) : 'No tokens.\n');
      }),
    );

  token
    .command('revoke')
    .description('revoke tokens by id (or by the token itself)')
    .argument('<ids...>')
    .action(
      withSession(async ({ redis }, ids: string[]) => {
        const store = new TokenStore(redis);
        for (const id of ids) {
          if (!(await store.revoke(id))) throw new Error(`token ${id} not found`);
          process.stdout.write(`token ${id.slice(0, 16)} revoked\n`);
        }
      }),
    );

  return token;
}
