/**
 * The process's own reports as JSON: warnings (the AWS SDK's Node.js version notice among them) replace
 * Node's stderr printer and repeat once per interval with a count; an uncaught exception or unhandled
 * rejection is one fatal line and ends the process once. controller-json-log.test.ts checks a real process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { createLogThrottle } from '../../controller/log-throttle.js';
import { createLogger } from '../../controller/logger.js';
import { routeProcessReportsToLog } from '../../controller/process-log.js';

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const target = new EventEmitter();
  const printed: string[] = [];
  // Stands in for Node's default printer, which must be removed.
  target.on('warning', (warning: Error) => printed.push(warning.message));
  let now = 0;
  const exits: number[] = [];
  routeProcessReportsToLog(logger, target, { exit: (code) => exits.push(code), throttle: createLogThrottle({ intervalMs: 10_000, now: () => now }) });
  return { lines, target, printed, exits, advance: (ms: number) => (now += ms) };
}

test('warnings become JSON lines instead of stderr text, a repeating one once per interval with its count', () => {
  const { lines, target, printed, advance } = setup();
  const notice = Object.assign(new Error('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) will\nno longer support Node.js v20.20.2 in January 2027.'), { name: 'NodeVersionSupportWarning' });
  target.emit('warning', notice);
  for (let i = 0; i < 4; i++) target.emit('warning', notice);
  target.emit('warning', Object.assign(new Error('Possible EventEmitter memory leak detected.'), { name: 'MaxListenersExceededWarning', code: 'X1' }));
  advance(10_000);
  target.emit('warning', notice);
  assert.deepEqual(printed, []);
  assert.deepEqual(lines.map((line) => [line.level, line.msg, line.warning, line.repeats]), [
    ['warn', 'process warning', 'NodeVersionSupportWarning', 0],
    ['warn', 'process warning', 'MaxListenersExceededWarning', 0],
    ['warn', 'process warning', 'NodeVersionSupportWarning', 4],
  ]);
  assert.match(String(lines[0].detail), /no longer support Node\.js/);
  assert.equal(lines[1].code, 'X1');
});

test('an uncaught exception or unhandled rejection is one fatal line with the stack, and the process ends once', () => {
  const { lines, target, exits } = setup();
  target.emit('uncaughtException', new Error('boom'), 'uncaughtException');
  target.emit('unhandledRejection', 'not an error');
  assert.deepEqual(exits, [1]);
  assert.deepEqual(lines.map((line) => [line.level, line.msg]), [['fatal', 'uncaught exception'], ['fatal', 'unhandled promise rejection']]);
  const err = lines[0].err as { message: string; stack: string };
  assert.equal(err.message, 'boom');
  assert.match(err.stack, /Error: boom\n\s+at /);
  assert.equal((lines[1].err as { message: string }).message, 'not an error');
});
