// node's TAP reporter, plus one `# failed: <file> > <suite> > <test> — <first line of the error>` comment per
// failed test just before the final summary. A long run's failures otherwise sit thousands of lines above its
// end, where CI logs that keep only the tail never show them. The output still ends with node's own summary
// (`# tests … # fail … # duration_ms`), which CI reads. Used by scripts/test.sh.
import { relative } from 'node:path';
import process from 'node:process';
import { tap } from 'node:test/reporters';

const MAX_ERROR_CHARS = 300;

function firstLine(error) {
  const cause = error && typeof error === 'object' && 'cause' in error && error.cause instanceof Error ? error.cause : error;
  const text = cause instanceof Error ? cause.message : String(cause ?? '');
  const line = text.split('\n').find((part) => part.trim() !== '') ?? '';
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS)}…` : line;
}

export default async function* tapWithFailures(source) {
  const failures = [];
  const path = [];
  async function* withFailureList() {
    let listed = false;
    for await (const event of source) {
      const { data } = event;
      if (event.type === 'test:start') {
        path.length = data.nesting;
        path[data.nesting] = data.name;
      }
      // A suite fails because a test in it did; that test is listed already.
      if (event.type === 'test:fail' && data.details?.type !== 'suite') {
        const names = [...path.slice(0, data.nesting), data.name];
        const file = data.file ? relative(process.cwd(), data.file) : '?';
        failures.push(`failed: ${file} > ${names.join(' > ')} — ${firstLine(data.details?.error)}`);
      }
      if (!listed && event.type === 'test:diagnostic' && data.nesting === 0 && /^tests \d+$/.test(data.message)) {
        listed = true;
        for (const message of failures) yield { type: 'test:diagnostic', data: { nesting: 0, message, file: data.file } };
      }
      yield event;
    }
  }
  yield* tap(withFailureList());
}
