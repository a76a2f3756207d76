/**
 * The V8 heap flags a controller replica runs with: the image sets them as NODE_OPTIONS (Dockerfile, tested
 * against this list) and the demo's and benchmark's replicas get them on their command line (cmd/replicas.ts),
 * so what the benchmark measures is what production runs.
 *
 * Why (issue 10, "peak RSS per replica, 10,000 runs live"; docs/benchmark.md has the measurements): a
 * replica's live heap is small (about 40 MB after a full GC, 10,000 runs live or none), but during a launch
 * burst V8 let it grow to ~4× that before collecting, because on a large host its default old-space limit is
 * big and the heap growing factor then goes up to 4; and the young generation alone took 32 MB (two 16 MB
 * semi-spaces). Peak RSS went to ~295 MB for ~40 MB of live objects.
 * - `--max-old-space-size=256`: an old-space limit below V8's default for the host makes V8 grow the heap by
 *   a factor of 1.3 to 2 after a full GC instead of up to 4, so the old space stays near 1.3–2× what is live.
 *   256 MiB is more than six times the live heap at 10,000 live runs and, by V8's sizing rules, about what V8
 *   would choose by itself in the chart's default 512 MiB container; the flag makes every host behave alike.
 *   A heap that outgrows it ends the replica (out of memory), as the container's limit would: raise the two
 *   together (about half the memory limit), through NODE_OPTIONS.
 * - `--max-semi-space-size=8`: a young generation of 2 × 8 MB instead of 2 × 16 MB (16 MB less RSS). Not 4:
 *   at 2 × 4 MB the benchmark's burst spent clearly more time in GC (objects awaiting Redis survive the more
 *   frequent scavenges and are promoted) and CPU per run rose by ~9 %; at 8 it stayed within the noise.
 */
export const CONTROLLER_NODE_OPTIONS: readonly string[] = ['--max-old-space-size=256', '--max-semi-space-size=8'];

/**
 * glibc malloc's settings for a replica, as environment variables (glibc reads them at start: mallopt(3),
 * "ENVIRONMENT"; the image is Debian's, so glibc). The image sets them (Dockerfile, tested against this list)
 * and the demo's and benchmark's replicas get them (cmd/replicas.ts).
 *
 * Why (issue 10, peak RSS): besides the V8 heap, a busy replica kept ~30 MB of native heap after a launch
 * burst (glibc's main `[heap]` grew to ~30 MB while Buffers and other `external` memory were 3–4 MB), and each
 * thread that allocates (libuv's pool, V8's helpers) may get an arena of its own.
 * - `MALLOC_ARENA_MAX=2`: at most two arenas, so helper threads share rather than each keeping free memory.
 * - `MALLOC_MMAP_THRESHOLD_` / `MALLOC_TRIM_THRESHOLD_` = 128 KiB: allocations from 128 KiB on get their own
 *   mapping, returned to the system when freed, and free memory at the top of the heap beyond 128 KiB is
 *   given back; without a fixed threshold glibc raises it as large blocks are freed, and they then stay.
 * Measured (docs/benchmark.md): the 10,000-live-runs peak 165.5 → 158.0 MB, the 2,000-run burst's 165.8 →
 * 157.3 MB (medians of 3), controller CPU per run within the noise (10.7 against 11.4 and 11.0 ms).
 */
export const CONTROLLER_MALLOC_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
});
