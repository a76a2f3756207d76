/**
 * `longshore token create|list|revoke`: API tokens, straight in Redis (so it works for anyone who can
 * reach Redis, as the bootstrap: the first admin token is made here), or through the API with an admin
 * token when the CLI talks to it (LONGSHORE_SERVER). `create` prints the token once;
 * only its hash is kept.
 */
import { Command, Option } from 'commander';
import { ROLES, isRole } from '../../controller/server/roles.js';
import { TokenStore, parseDuration, type TokenInfo } from '../../controller/server/tokens.js';
import { unwrap } from '@longshore/client';
import { cliError } from './http-backend.js';
import { UsageError } from './errors.js';
import { formatData, listDocument, outputOption, renderTable, type OutputFormat } from './output.js';
import { withSession, type Session } from './session.js';

const NAMESPACE = /^[a-z0-9][a-z0-9-]{0,62}$/;

interface TokenRequest {
  role: (typeof ROLES)[number];
  namespace?: string;
  expires?: string;
  expiresInMs?: number;
  description?: string;
}

/** Tokens straight in Redis, or through the API's token routes (an admin token) when the CLI talks to it. */
interface Tokens {
  create(request: TokenRequest): Promise<string>;
  list(): Promise<TokenInfo[]>;
  revoke(idOrToken: string): Promise<boolean>;
}

function tokensOf(session: Session): Tokens {
  if (!session.api) {
    const store = new TokenStore(session.redis);
    return {
      create: async ({ expires: _text, ...request }) => (await store.create(request)).token,
      list: () => store.list(),
      revoke: (id) => store.revoke(id),
    };
  }
  const { client, connection } = session.api;
  /** Any failure (refused, unreachable) as the CLI's one-line error. */
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw cliError(error, connection.server);
    }
  };
  return {
    create: ({ expiresInMs: _ms, ...request }) =>
      guarded(async () => unwrap(await client.POST('/apis/longshore.dev/v1alpha1/tokens', { body: request })).token),
    list: () => guarded(async () => (unwrap(await client.GET('/apis/longshore.dev/v1alpha1/tokens')) as { items: TokenInfo[] }).items),
    revoke: (idOrToken) =>
      guarded(async () => {
        // Never a whole token in a URL (proxies log paths): its id is enough.
        const id = /^lst_([0-9a-f]+)_/.exec(idOrToken)?.[1] ?? idOrToken;
        const answer = await client.DELETE('/apis/longshore.dev/v1alpha1/tokens/{id}', { params: { path: { id } } });
        if (answer.response.status === 404) return false;
        unwrap(answer);
        return true;
      }),
  };
}

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
      withSession(async (session, flags: { role: string; expires?: string; description?: string }, command: Command) => {
        // --namespace is also the program's global -n/--namespace, which commander hands to the program, not
        // to this command: read it with the globals, or a token asked to be scoped would be made unscoped.
        const options = { ...flags, namespace: (command.optsWithGlobals() as { namespace?: string }).namespace };
        if (!isRole(options.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        if (options.namespace !== undefined && !NAMESPACE.test(options.namespace)) throw new UsageError(`--namespace ${JSON.stringify(options.namespace)} is not a valid namespace`);
        const expiresInMs = options.expires !== undefined ? parseDuration(options.expires) : undefined;
        if (options.expires !== undefined && expiresInMs === undefined) throw new UsageError(`--expires ${JSON.stringify(options.expires)}: use a number and s, m, h or d, e.g. 12h`);
        const text = await tokensOf(session).create({
          role: options.role, expiresInMs,
          ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
          ...(options.expires !== undefined ? { expires: options.expires } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
        });
        process.stdout.write(`${text}\n`);
      }),
    );

  token
    .command('list')
    .description('list tokens (ids, roles, scopes, expiry; never the tokens)')
    .addOption(outputOption(['table', 'name', 'json', 'yaml']))
    .action(
      withSession(async (session, options: { output: OutputFormat }) => {
        const tokens = await tokensOf(session).list();
        if (options.output === 'json' || options.output === 'yaml') return void process.stdout.write(formatData(options.output, listDocument(tokens)));
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
      withSession(async (session, ids: string[]) => {
        const store = tokensOf(session);
        for (const id of ids) {
          if (!(await store.revoke(id))) throw new Error(`token ${id} not found`);
          process.stdout.write(`token ${id.slice(0, 16)} revoked\n`);
        }
      }),
    );

  return token;
}
