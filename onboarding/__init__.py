"""Onboarding: what helps a newcomer find their feet, above the channels it
reads.

- ``models``: the checklist tables (items an admin prepares per department,
  and each person's ticks) and the API shapes of the welcome page, a mentor's
  page and mentor suggestions;
- ``facts``: ``mentors.updated`` and ``checklist.updated``, in the person
  streams of the newcomer and their mentors;
- ``checklist``: which items are whose, what the system ticks by itself;
- ``duties``: a newcomer's deeds tick their checklist on the write path;
- ``suggestions``: mentors to suggest, other departments first;
- ``welcome``: the welcome post in the department channel, exactly once;
- ``actions``: mentors chosen, items made, ticked and removed, settings;
- ``reads``: the welcome page and "My newcomers".

Who is a newcomer, who mentors whom and the company's newcomer settings are
org's (org/newcomers.py): the small API later features (questions) use.
Stands on ``channels`` and ``org``; nothing below imports it. Importing this
package registers the duties and the kinds.
"""

from onboarding import duties, facts  # noqa: F401  (registers the duties and kinds)
