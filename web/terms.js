// Where the signed-in person stands with the terms of use (利用規約): the
// version in force and the last one they accepted, from GET /api/session and
// then from their own stream (`terms.published`: an admin published a new
// version, in every open tab at once; `terms.accepted`: accepted here or on
// another device). While a version is in force that they have not accepted,
// the server refuses posts, comments, edits and likes (`terms_not_accepted`):
// the composers show a bar instead, and the terms open to be accepted.
// No DOM here: views listen to app's `terms` event.
import { post } from './api.js';
import { app } from './state.js';

app.terms = { version: 0, accepted: 0, needed: false };

/** The person's standing as the server says it ({version, accepted, needed}). */
export function termsStanding(standing) {
  if (!standing) return;
  const before = app.terms;
  app.terms = { version: standing.version, accepted: standing.accepted, needed: standing.accepted < standing.version };
  if (before.version !== app.terms.version || before.accepted !== app.terms.accepted) app.emit('terms', app.terms);
}

/** `terms.published` / `terms.accepted` in one's own stream. */
export function termsEvent(frame) {
  const { version } = frame.data;
  const { accepted } = app.terms;
  if (frame.kind === 'terms.published') termsStanding({ version: Math.max(version, app.terms.version), accepted });
  else if (frame.kind === 'terms.accepted') termsStanding({ version: app.terms.version, accepted: Math.max(version, accepted) });
}

/** Accept `version` (the one read); the answer is the standing now. */
export async function acceptTerms(version) {
  termsStanding(await post('/api/terms/accept', { version }));
}

/** Forget it all (signing out). */
export function forgetTerms() {
  app.terms = { version: 0, accepted: 0, needed: false };
}
