/**
 * Where two long texts (a committed generated file and a fresh one) first differ, as
 * `line N: committed "…" / fresh "…"`; undefined when equal. Tests compare such files with this rather than
 * assert.equal, whose error would carry both texts whole: node 20's test runner, formatting hundreds of kB
 * of them as TAP YAML, spun for minutes without printing anything.
 */
export function firstDifference(committed: string, fresh: string): string | undefined {
  if (committed === fresh) return undefined;
  const [a, b] = [committed.split('\n'), fresh.split('\n')];
  const index = a.findIndex((line, i) => line !== b[i]);
  const at = index === -1 ? a.length : index;
  const clip = (line: string | undefined) => (line === undefined ? '(end of file)' : JSON.stringify(line.slice(0, 160)));
  return `line ${at + 1}: committed ${clip(a[at])} / fresh ${clip(b[at])}`;
}
