/**
 * Hash routes, so that a page has a stable URL to paste into a ticket and the server needs no fallback
 * route: #/namespaces/NS/runs?pool=…, #/namespaces/NS/runs/NAME, #/namespaces/NS/pools.
 */
export type Route =
  | { page: 'runs'; namespace: string; params: URLSearchParams }
  | { page: 'run'; namespace: string; name: string }
  | { page: 'pools'; namespace: string }
  | { page: 'home' };

export function parseRoute(hash: string): Route {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
  if (parts[0] === 'namespaces' && parts[1]) {
    if (parts[2] === 'runs' && parts[3]) return { page: 'run', namespace: parts[1], name: parts[3] };
    if (parts[2] === 'pools') return { page: 'pools', namespace: parts[1] };
    return { page: 'runs', namespace: parts[1], params: new URLSearchParams(search) };
  }
  return { page: 'home' };
}

export const runsHref = (namespace: string, params?: URLSearchParams) => {
  const search = params?.toString();
  return `#/namespaces/${encodeURIComponent(namespace)}/runs${search ? `?${search}` : ''}`;
};
export const runHref = (namespace: string, name: string) => `#/namespaces/${encodeURIComponent(namespace)}/runs/${encodeURIComponent(name)}`;
export const poolsHref = (namespace: string) => `#/namespaces/${encodeURIComponent(namespace)}/pools`;
