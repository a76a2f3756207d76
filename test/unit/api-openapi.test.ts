/**
 * The OpenAPI document: the committed schemas/openapi.json is exactly what the zod schemas generate,
 * @redocly/openapi-core's recommended rules find no problem in it (OpenAPI 3.1), and it names what the
 * typed client is built from: an operationId for every route, and the Run, Pool, RunList, Status and
 * watch-event schemas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConfig, lint } from '@redocly/openapi-core';
import { repoRoot } from '../../cmd/gen-schemas.js';
import { generateOpenApi, openApiText } from '../../controller/server/openapi.js';
import { ROUTES } from '../../controller/server/routes.js';
import { firstDifference } from '../helpers/first-difference.js';

const committedPath = join(repoRoot(), 'schemas', 'openapi.json');

test('the committed OpenAPI document is the generated one (run node dist/cmd/gen-schemas.js when this fails)', () => {
  assert.equal(firstDifference(readFileSync(committedPath, 'utf8'), openApiText()), undefined);
});

test('the document passes the recommended rules of @redocly/openapi-core without a warning', async () => {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lint({ ref: committedPath, config });
  assert.deepEqual(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`), []);
});

test('every route has a unique operationId; the schemas a client needs are components', () => {
  const doc = generateOpenApi() as { openapi: string; paths: Record<string, Record<string, { operationId?: string }>>; components: { schemas: Record<string, unknown> } };
  assert.equal(doc.openapi, '3.1.0');
  const ids = ROUTES.map((route) => doc.paths[route.template]?.[route.method.toLowerCase()]?.operationId);
  assert.ok(ids.every((id) => typeof id === 'string'), JSON.stringify(ids));
  assert.equal(new Set(ids).size, ids.length);
  for (const name of ['Run', 'Pool', 'RunList', 'PoolList', 'Status', 'RunWatchEvent', 'PoolWatchEvent', 'RunDocument', 'PoolDocument', 'RunBatch']) {
    assert.ok(name in doc.components.schemas, `${name} is a component schema`);
  }
});

test('the published Run schema is the admission schema: a field admission rejects is not in it', () => {
  const doc = generateOpenApi() as { components: { schemas: Record<string, { properties?: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }> }> } };
  const spec = doc.components.schemas.RunDocument.properties?.spec;
  assert.ok(spec?.properties && 'pool' in spec.properties && 'env' in spec.properties);
  assert.equal(spec.additionalProperties, false);
});
