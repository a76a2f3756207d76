/**
 * Secret masking for human output (tables and `describe`). JSON/YAML output shows stored data as is, so it
 * can be applied again; people reading a terminal (or a screenshot of one) should not see credentials.
 * Three rules, applied wherever they fit:
 * - a variable whose NAME looks secret has its whole value masked (looksSecret);
 * - a URL with credentials (`scheme://user:pass@host`) has the password masked whatever the name, and a
 *   user-only credential (`https://TOKEN@host`) the user, as the logger's redactUrl does;
 * - in a command, the value of a well-known secret flag (`--password x`, `--api-key=x`, `--db-token x`…)
 *   and of a `NAME=value` assignment with a secret-looking NAME.
 * Masking errs towards hiding: SESSION_TIMEOUT is masked, which costs little; PATH and PATTERN are not.
 */
export const MASK = '******';

/** Anywhere in the name (any case): these words rarely appear by accident inside other words. */
const SECRET_SUBSTRINGS = /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|KEY|CREDENTIAL|PRIVATE|AUTH|COOKIE)/i;
/** Only as a whole word part (DB_PASS, GITHUB_PAT, SENTRY_DSN), because PATH, PATTERN, PASSAGE contain them. */
const SECRET_PARTS = new Set(['PASS', 'PWD', 'PAT', 'SESSION', 'SESSIONID', 'SID', 'DSN', 'CONN', 'CONNSTR', 'CONNECTIONSTRING', 'SIGNATURE', 'SALT']);
/** Adjacent word parts that together name a secret. */
const SECRET_PAIRS = new Set(['CONNECTION STRING', 'CONN STRING', 'CONN STR']);

/** The name's word parts, upper-cased: DB_PASS → [DB, PASS]; githubPat → [GITHUB, PAT]; x.conn-str → [X, CONN, STR]. */
function wordParts(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p.toUpperCase());
}

/** True for names that look like they hold secrets (API_KEY, DB_PASS, GITHUB_PAT, SESSION_COOKIE, DATABASE_DSN…). */
export function looksSecret(name: string): boolean {
  if (SECRET_SUBSTRINGS.test(name)) return true;
  const parts = wordParts(name);
  return parts.some((p) => SECRET_PARTS.has(p)) || parts.slice(1).some((p, i) => SECRET_PAIRS.has(`${parts[i]} ${p}`));
}

/**
 * `scheme://user:password@` → `scheme://user:******@`, `scheme://token@` → `scheme://******@`. The password
 * runs to the last `@` before the host, so an unencoded `@` in it is masked too.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(?::([^\s/?#]*))?@/gi;

export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, (_match, scheme: string, user: string, password: string | undefined) =>
    password === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`,
  );
}

/** An environment value as people may see it: all masked under a secret name, URL credentials masked always. */
export function maskValue(name: string, value: string): string {
  return looksSecret(name) ? MASK : maskUrlCredentials(value);
}

/** `NAME=value` pairs for people to read, with secrets masked; null (unset) shown as such. */
export function maskedEnv(env: Readonly<Record<string, string | null>>): string[] {
  return Object.entries(env).map(([name, value]) => (value === null ? `${name} (unset)` : `${name}=${maskValue(name, value)}`));
}

/** The last word of a long flag that makes its value a secret: --password, --db-passwd, --github-token, --client-secret. */
const SECRET_FLAG_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'token', 'secret', 'credentials', 'apikey', 'cookie']);
/** `--<word>-key` flags that are secrets (--api-key, --access-key, --secret-key); --sort-key or --key-file are not. */
const SECRET_KEY_FLAGS = new Set(['api', 'access', 'secret', 'private', 'auth', 'account', 'encryption', 'signing', 'master', 'client', 'license']);

/** True for long flags (without the dashes) that carry a secret value. */
export function isSecretFlag(flag: string): boolean {
  const words = flag.toLowerCase().split(/[-_]/);
  const last = words[words.length - 1];
  if (SECRET_FLAG_WORDS.has(last)) return true;
  return last === 'key' && words.length >= 2 && SECRET_KEY_FLAGS.has(words[words.length - 2]);
}

const QUOTED_OR_WORD = `"[^"]*"|'[^']*'|[^\\s"']+`;
/** `--flag=value` or `--flag value` (value possibly quoted; after a space, not the next flag). */
const FLAG_WITH_VALUE = new RegExp(`(^|\\s)--([A-Za-z0-9][A-Za-z0-9_-]*)(=|\\s+(?!-))(${QUOTED_OR_WORD})`, 'g');
/** `NAME=value` at the start of a word (value possibly quoted). */
const ASSIGNMENT = new RegExp(`(^|\\s)([A-Za-z_][A-Za-z0-9_]*)=(${QUOTED_OR_WORD})`, 'g');

/** A command line (or any text from one) with secret flag values, secret assignments and URL credentials masked. */
export function maskCommandText(text: string): string {
  return maskUrlCredentials(text)
    .replace(FLAG_WITH_VALUE, (match, lead: string, flag: string, sep: string) =>
      isSecretFlag(flag) ? `${lead}--${flag}${sep}${MASK}` : match,
    )
    .replace(ASSIGNMENT, (match, lead: string, name: string) => (looksSecret(name) ? `${lead}${name}=${MASK}` : match));
}

/** An argv-style command: the element after a secret flag, and secret `--flag=`/`NAME=` elements, are masked. */
export function maskCommandArgs(args: readonly string[]): string[] {
  return args.map((arg, i) => {
    const previous = i > 0 ? args[i - 1] : '';
    const flag = /^--([A-Za-z0-9][A-Za-z0-9_-]*)$/.exec(previous);
    if (flag && isSecretFlag(flag[1]) && !arg.startsWith('-')) return MASK;
    const inline = /^--([A-Za-z0-9][A-Za-z0-9_-]*)=/.exec(arg);
    if (inline) return isSecretFlag(inline[1]) ? `${inline[0]}${MASK}` : maskUrlCredentials(arg);
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(arg);
    if (assignment && looksSecret(assignment[1])) return `${assignment[0]}${MASK}`;
    return maskUrlCredentials(arg);
  });
}

/** A run's command as `describe` shows it: a string as is, an argv array as JSON, either one masked. */
export function maskedCommand(command: string | readonly string[]): string {
  return typeof command === 'string' ? maskCommandText(command) : JSON.stringify(maskCommandArgs(command));
}
