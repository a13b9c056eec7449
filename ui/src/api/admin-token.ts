const KEY = 'crowsnest.admin_token';
let memory: string | null = null;

/**
 * The admin token the user typed when the hub asked for one, kept for this browser tab only
 * (sessionStorage: gone when the tab closes, never sent anywhere but this hub's write endpoints).
 */
export function adminToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setAdminToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // Storage disabled: the token lives as long as the page does.
    memory = token;
  }
}

/** The stored token, or one held in memory when storage is disabled. */
export function currentAdminToken(): string | null {
  return adminToken() ?? memory;
}
