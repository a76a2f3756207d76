/**
 * pino JSON logs. Messages are constant ("reconcile finished"); values go in fields. Secrets never reach
 * the log: credentials, authorization headers, passwords, container environment values (run env may hold
 * tokens) and the password part of connection URLs are redacted.
 */
import { pino, Logger, DestinationStream, LoggerOptions } from 'pino';

export type { Logger } from 'pino';

const CENSOR = '[redacted]';

/** Paths pino redacts wherever these fields appear at the top level or one level down. */
export const REDACTED_PATHS: readonly string[] = [
  'password', '*.password',
  'secretAccessKey', '*.secretAccessKey', 'sessionToken', '*.sessionToken', 'credentials', '*.credentials',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers["x-amz-security-token"]', '*.headers["x-amz-security-token"]',
  'env', '*.env', 'environment[*].value', '*.environment[*].value',
  'overrides.containerOverrides[*].environment[*].value', '*.overrides.containerOverrides[*].environment[*].value',
  'containerDefinitions[*].environment[*].value', '*.containerDefinitions[*].environment[*].value',
  'containerDefinitions[*].secrets', '*.containerDefinitions[*].secrets',
];

export interface CreateLoggerOptions {
  level: LoggerOptions['level'];
  /** Bound on every line, e.g. { replica: 'host-123' }. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level,
    base: { service: 'longshore', ...options.base },
    redact: { paths: [...REDACTED_PATHS], censor: CENSOR },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A URL safe to log: the password (and a user-only credential) replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = CENSOR;
    else if (parsed.username) parsed.username = CENSOR;
    return parsed.toString();
  } catch {
    return CENSOR;
  }
}
