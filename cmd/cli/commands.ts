/**
 * The CLI's command groups, one module each. Adding a group is one line here: export its factory
 * (a function returning a commander Command) and cmd/longshore.ts registers it. Heavy groups are wrapped
 * in lazyCommand so other commands start fast.
 */
import { lazyCommand } from './lazy.js';

export { poolCommand } from './pool.js';
export { runCommand } from './run.js';
export { versionCommand } from './version.js';
export { completionCommand } from './completion.js';
export const controllerCommand = lazyCommand('controller', 'run a controller replica (reconcile runs onto ECS) until SIGTERM/SIGINT; see controller --help', async () => (await import('./controller.js')).controllerCommand());
export { tokenCommand } from './token.js';
export const apiCommand = lazyCommand('api', 'serve the HTTP API (Kubernetes-shaped, bearer tokens) until SIGTERM/SIGINT; see api --help', async () => (await import('./api.js')).apiCommand());
