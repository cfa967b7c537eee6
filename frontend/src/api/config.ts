/**
 * Where the API lives. The only reader of `import.meta.env`.
 *
 * The built page is served by the API server itself, so the default is the page's own
 * origin (`''`); `VITE_API_BASE` points a dev build elsewhere.
 */
const env = import.meta.env as Record<string, string | undefined>

/** Base URL of the HTTP API, without a trailing slash (`''` = same origin). */
export const apiBase: string = (env.VITE_API_BASE ?? '').replace(/\/$/, '')

/** Base URL of the websocket API (`ws://host` or `wss://host`). */
export function wsBase(): string {
  if (apiBase) return apiBase.replace(/^http/, 'ws')
  const { protocol, host } = window.location
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}`
}

/** How long the editor waits after the last edit before it validates the graph, in ms. */
export const validateDebounceMs = 250
