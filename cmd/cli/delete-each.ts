/**
 * Deleting several resources as kubectl does: each name is tried on its own and reported — `run/a deleted`
 * on stdout, `error: run "b" not found` on stderr — and the exit status is 1 when any of them failed. A
 * failure to reach the backend at all still ends the command at once (withSession reports it).
 */
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../controller/store/index.js';
import { EXIT_FAILURE } from './errors.js';

/** Refusals about one resource: the other names are still tried. */
function isPerResource(error: unknown): error is Error {
  return error instanceof NotFoundError || error instanceof PreconditionFailedError || error instanceof ConflictError;
}

export async function deleteEach(kind: string, names: readonly string[], remove: (name: string) => Promise<unknown>): Promise<void> {
  let failed = 0;
  for (const name of [...new Set(names)]) {
    try {
      await remove(name);
      process.stdout.write(`${kind}/${name} deleted\n`);
    } catch (error) {
      if (!isPerResource(error)) throw error;
      failed += 1;
      process.stderr.write(`error: ${error.message}\n`);
    }
  }
  if (failed > 0) process.exitCode = EXIT_FAILURE;
}
