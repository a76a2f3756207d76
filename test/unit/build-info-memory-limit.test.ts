/**
 * containerMemoryLimitBytes(): the container's memory limit read from its cgroup files (longshore_process_memory_limit_bytes
 * and the dashboard's RSS-against-limit panel rest on it). The files are served from a map, as a machine with
 * cgroup v2, v1 or neither would show them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { containerMemoryLimitBytes } from '../../controller/build-info.js';

const files = (entries: Record<string, string>) => (path: string): string | undefined => entries[path];
const MiB = 1024 * 1024;
// What v1 writes for "no limit": LONG_MAX rounded down to a 4 KiB page.
const V1_UNLIMITED = '9223372036854771712\n';

describe('containerMemoryLimitBytes', () => {
  test('cgroup v2 in its own namespace: memory.max holds the limit in bytes', () => {
    const read = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': `${512 * MiB}\n` });
    assert.equal(containerMemoryLimitBytes(read), 512 * MiB);
  });

  test('cgroup v2 with memory.max "max": no limit', () => {
    const read = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'max\n' });
    assert.equal(containerMemoryLimitBytes(read), undefined);
  });

  test('cgroup v2 seen with the host\'s path: the smallest limit from the cgroup up to the mount', () => {
    const read = files({
      '/proc/self/cgroup': '0::/kubepods.slice/pod-a.slice/cri-b.scope\n',
      '/sys/fs/cgroup/kubepods.slice/pod-a.slice/cri-b.scope/memory.max': 'max\n',
      '/sys/fs/cgroup/kubepods.slice/pod-a.slice/memory.max': `${256 * MiB}\n`,
      '/sys/fs/cgroup/kubepods.slice/memory.max': `${8192 * MiB}\n`,
    });
    assert.equal(containerMemoryLimitBytes(read), 256 * MiB);
  });

  test('cgroup v1: memory.limit_in_bytes of the memory controller\'s hierarchy', () => {
    const read = files({
      '/proc/self/cgroup': '12:pids:/docker/abc\n4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n',
      // Inside the container the hierarchy's root is the container's own cgroup; the host path is absent.
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': `${1024 * MiB}\n`,
    });
    assert.equal(containerMemoryLimitBytes(read), 1024 * MiB);
  });

  test('cgroup v1 with the huge "unlimited" value: no limit', () => {
    const read = files({
      '/proc/self/cgroup': '4:memory:/process_api/4dd8\n0::/\n',
      '/sys/fs/cgroup/memory/process_api/4dd8/memory.limit_in_bytes': V1_UNLIMITED,
      '/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes': V1_UNLIMITED,
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': V1_UNLIMITED,
    });
    assert.equal(containerMemoryLimitBytes(read), undefined);
  });

  test('missing files: no /proc/self/cgroup (not Linux), or a cgroup without limit files', () => {
    assert.equal(containerMemoryLimitBytes(files({})), undefined);
    assert.equal(containerMemoryLimitBytes(files({ '/proc/self/cgroup': '0::/\n' })), undefined);
    assert.equal(containerMemoryLimitBytes(files({ '/proc/self/cgroup': '3:memory:/docker/abc\n' })), undefined);
  });

  test('anything but a byte count is not a limit', () => {
    for (const text of ['', 'garbage\n', '-1\n', '0\n']) {
      const read = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': text });
      assert.equal(containerMemoryLimitBytes(read), undefined, JSON.stringify(text));
    }
  });

  test('on this machine it answers without throwing', () => {
    const limit = containerMemoryLimitBytes();
    assert.ok(limit === undefined || (Number.isInteger(limit) && limit > 0), String(limit));
  });
});
