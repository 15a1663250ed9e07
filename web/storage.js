// localStorage, per signed-in person, failing soft (private mode, full quota).
// Nothing is kept for nobody: signed out, load() gives the fallback and save()
// does nothing, so a view torn down after sign-out (a composer flushing its
// draft) cannot write a person's data back. forgetPeople() clears what every
// person left (drafts, status) at sign-out; the language choice (kaisha:lang)
// is the browser's, not a person's, and stays. Read state is the server's, never
// kept here.

const PERSON_KEY = /^kaisha:u\d+:/;
let prefix = null;

export function setStorageUser(userId) {
  prefix = userId ? `kaisha:u${userId}:` : null;
}

export function load(name, fallback) {
  if (prefix === null) return fallback;
  try {
    const raw = localStorage.getItem(prefix + name);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function save(name, value) {
  if (prefix === null) return;
  try {
    if (value === undefined || value === null || value === '') localStorage.removeItem(prefix + name);
    else localStorage.setItem(prefix + name, JSON.stringify(value));
  } catch {
    /* storage full or unavailable: the value lives for this page only */
  }
}

/** Remove every person's data from this browser (called at sign-out). */
export function forgetPeople() {
  try {
    for (const key of Object.keys(localStorage)) if (PERSON_KEY.test(key)) localStorage.removeItem(key);
    sessionStorage.removeItem('kaisha:after-signin');
  } catch {
    /* storage unavailable: nothing was kept */
  }
}
