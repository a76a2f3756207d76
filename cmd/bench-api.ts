#!/usr/bin/env node
/**
 * `node dist/cmd/bench-api.js [--watchers 100] [--rate 200] [--seconds 20]`: the API load check (see
 * cmd/bench/api-load.ts), printed as JSON. Needs Redis (REDIS_URL); starts its own `longshore api`.
 */
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { runApiLoad } from './bench/api-load.js';

const positive = (flag: string) => (text: string) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${flag}: expected a number > 0, got "${text}"`);
  return value;
};

const program = new Command('bench-api')
  .description('API load check: concurrent watchers and a steady create rate through one `longshore api` process')
  .option('--watchers <n>', 'concurrent watchers', positive('--watchers'), 100)
  .option('--rate <n>', 'run creates per second', positive('--rate'), 200)
  .option('--seconds <s>', 'how long to create', positive('--seconds'), 20)
  .option('--drain-seconds <s>', 'how long watchers may take to catch up afterwards', positive('--drain-seconds'), 60);
program.parse();
const options = program.opts<{ watchers: number; rate: number; seconds: number; drainSeconds: number }>();
const report = await runApiLoad(fileURLToPath(new URL('./longshore.js', import.meta.url)), {
  watchers: options.watchers, ratePerSecond: options.rate, seconds: options.seconds, drainSeconds: options.drainSeconds,
  redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379', progress: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
