// The API client: the session (tokens kept in memory and in this tab's sessionStorage),
// login, refresh and logout, and fetch with the bearer token. A 401 refreshes the
// session once and retries; if that fails the session ends and listeners are told.

const STORAGE_KEY = "apfa.session";
// Refresh this long before the access token expires rather than waiting for a 401.
const EARLY_REFRESH_MS = 30_000;

export class ApiError extends Error {
  constructor(status, code, detail, requestId, retryAfter, body = null) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
    this.detail = detail || "";
    this.requestId = requestId || "";
    this.retryAfter = retryAfter || "";
    this.body = body;
  }
}

/** A sentence for the user: what happened and what to do about it. */
export function describeError(error) {
  if (!(error instanceof ApiError)) {
    return `Request failed: ${error && error.message ? error.message : String(error)}`;
  }
  const detail = error.detail ? `: ${error.detail}` : "";
  const rid = error.requestId ? ` (request ${error.requestId})` : "";
  switch (error.status) {
    case 0:
      return `Network error${detail}`;
    case 401:
      return `401 Not signed in or session expired${detail}. Please sign in again.${rid}`;
    case 403:
      return `403 Forbidden${detail}. Your role may not do this.${rid}`;
    case 429:
      return `429 Too many requests${detail}. Try again in ${error.retryAfter || "a minute"} s.${rid}`;
    default:
      return `${error.status} ${error.code || "error"}${detail}${rid}`;
  }
}

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

let current = load();
let refreshing = null;
const listeners = new Set();

function save(next) {
  current = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener(next);
}

export function session() {
  return current;
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function fromTokens(body, username) {
  return {
    username,
    access: body.access_token,
    refresh: body.refresh_token,
    expiresAt: Date.now() + (body.expires_in || 900) * 1000,
  };
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  let detail = body && body.detail !== undefined ? body.detail : response.statusText;
  if (typeof detail !== "string") detail = JSON.stringify(detail);
  return new ApiError(
    response.status,
    body && typeof body.error === "string" ? body.error : "",
    detail,
    (body && body.request_id) || response.headers.get("x-request-id"),
    response.headers.get("retry-after"),
    body,
  );
}

async function send(path, init) {
  try {
    return await fetch(path, init);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", error && error.message ? error.message : String(error));
  }
}

async function postJson(path, body) {
  return send(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
}

export async function login(username, password) {
  const response = await postJson("/token", { username, password });
  if (!response.ok) throw await errorFrom(response);
  save(fromTokens(await response.json(), username));
  return current;
}

/** A new token pair from the refresh token; concurrent callers share one request. */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const old = current;
      if (!old || !old.refresh) throw new ApiError(401, "not_authenticated", "not signed in");
      const response = await postJson("/token/refresh", { refresh_token: old.refresh });
      if (!response.ok) {
        const error = await errorFrom(response);
        if (response.status === 401 || response.status === 400) save(null);
        throw error;
      }
      save(fromTokens(await response.json(), old.username));
      return current;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** The access token, refreshed first when it is about to expire. */
export async function freshToken() {
  if (!current) return null;
  if (current.expiresAt - Date.now() < EARLY_REFRESH_MS) {
    try {
      await refresh();
    } catch {
      return current ? current.access : null;
    }
  }
  return current ? current.access : null;
}

export async function logout() {
  const old = current;
  save(null);
  if (!old) return;
  try {
    await send("/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${old.access}` },
      body: JSON.stringify({ refresh_token: old.refresh }),
    });
  } catch {
    // The local session is gone either way; the server's ends on its own.
  }
}

function buildInit(options, token) {
  const headers = new Headers(options.headers || {});
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(options.json);
  }
  return { method: options.method || "GET", headers, body, signal: options.signal };
}

/**
 * Call the API with the session's token. Returns the parsed JSON (null for 204), or the
 * Response itself with {raw: true} (streams). Throws ApiError for any non-2xx status.
 */
export async function api(path, options = {}) {
  let token = await freshToken();
  let response = await send(path, buildInit(options, token));
  if (response.status === 401 && current && current.refresh) {
    try {
      await refresh();
      token = current ? current.access : null;
      response = await send(path, buildInit(options, token));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
  if (response.status === 401 && current) save(null);
  if (!response.ok) throw await errorFrom(response);
  if (options.raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** The signed-in user with permissions, from GET /api/v1/users/me. */
export async function me() {
  return api("/api/v1/users/me");
}
