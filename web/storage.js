// localStorage, per signed-in person, failing soft (private mode, full quota).

let prefix = 'kaisha:anon:';

export function setStorageUser(userId) {
  prefix = userId ? `kaisha:u${userId}:` : 'kaisha:anon:';
}

export function load(name, fallback) {
  try {
    const raw = localStorage.getItem(prefix + name);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function save(name, value) {
  try {
    if (value === undefined || value === null || value === '') localStorage.removeItem(prefix + name);
    else localStorage.setItem(prefix + name, JSON.stringify(value));
  } catch {
    /* storage full or unavailable: the value lives for this page only */
  }
}
