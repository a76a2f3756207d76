#!/usr/bin/env node
/**
 * Measures the simulator's ECS request throughput: starts `sim` in its own process (throttling off, so
 * it has a core to itself), launches a few tasks, then keeps `--connections` keep-alive connections busy
 * with DescribeTasks and ListTasks for `--seconds` and prints requests/second.
 *   node simulator/dist/bin/sim-bench.js [--seconds 5] [--connections 16] [--batch 10] [--url http://127.0.0.1:<port>]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';

const TARGET = 'AmazonEC2ContainerServiceV20141113.';

interface BenchOptions {
  seconds: number;
  connections: number;
  batch: number;
  url?: string;
}

/** One request; the body is parsed only when asked, so the measuring loop stays cheap. */
function call(agent: Agent, base: URL, action: string, body: unknown, parse = true): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent, host: base.hostname, port: base.port, method: 'POST', path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': TARGET + action,
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (parse) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: parse ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {} }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function startSimProcess(): Promise<{ url: string; child: ChildProcess }> {
  const sim = fileURLToPath(new URL('./sim.js', import.meta.url));
  const child = spawn(process.execPath, [sim, '--port', '0', '--no-throttling', '--seed', '1', '--run-seconds', '3600'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`sim exited with ${code}: ${output}`)));
  });
  return { url, child };
}

async function main(): Promise<void> {
  const options = new Command('sim-bench')
    .option('--seconds <s>', 'how long to measure', Number, 5)
    .option('--connections <n>', 'concurrent keep-alive connections', Number, 16)
    .option('--batch <n>', 'tasks per DescribeTasks call (1-100)', Number, 10)
    .option('--url <url>', 'an already running simulator (default: start one)')
    .parse()
    .opts<BenchOptions>();
  const started = options.url === undefined ? await startSimProcess() : undefined;
  const base = new URL(options.url ?? started?.url ?? '');
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  try {
    const registered = await call(agent, base, 'RegisterTaskDefinition', {
      family: 'bench', containerDefinitions: [{ name: 'main', image: 'busybox', memory: 16 }],
    });
    if (registered.status !== 200) throw new Error(`RegisterTaskDefinition failed: ${JSON.stringify(registered.json)}`);
    // EC2 tasks need a container instance, as on AWS: one 4 vCPU / 16 GiB instance holds the hundred 16 MiB tasks.
    const provisioned = await fetch(new URL('/_sim/container-instances', base), { method: 'POST', body: JSON.stringify({ cluster: 'default', count: 1 }) });
    if (provisioned.status !== 200) throw new Error(`registering a container instance failed: ${await provisioned.text()}`);
    const taskArns: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const run = await call(agent, base, 'RunTask', { taskDefinition: 'bench', launchType: 'EC2', count: 10 });
      for (const task of run.json.tasks as Array<{ taskArn: string }>) taskArns.push(task.taskArn);
    }
    const batch = Math.min(100, Math.max(1, options.batch));
    const batchAt = (i: number): string[] => Array.from({ length: batch }, (_, j) => taskArns[(i * batch + j) % taskArns.length]);
    let completed = 0;
    let errors = 0;
    const deadline = Date.now() + options.seconds * 1000;
    const worker = async (index: number): Promise<void> => {
      for (let i = index; Date.now() < deadline; i += 1) {
        const answer = i % 2 === 0
          ? await call(agent, base, 'DescribeTasks', { tasks: batchAt(i) }, false)
          : await call(agent, base, 'ListTasks', { maxResults: 100 }, false);
        if (answer.status === 200) completed += 1;
        else errors += 1;
      }
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: options.connections }, (_, i) => worker(i)));
    const elapsedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      `DescribeTasks(${batch} tasks)/ListTasks(100 tasks): ${completed} requests in ${elapsedSeconds.toFixed(2)} s = ` +
        `${Math.round(completed / elapsedSeconds)} requests/s over ${options.connections} keep-alive connections (${errors} errors)`,
    );
  } finally {
    agent.destroy();
    started?.child.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
