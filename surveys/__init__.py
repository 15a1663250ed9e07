"""Surveys (アンケート): questions asked of the whole company or of chosen
departments, answered once, named or anonymous, above the packages it reads.

- ``models``: the tables (what a survey asks, who answered, what was
  answered, who may make surveys) and the API shapes;
- ``pool``: where answers are kept so that an anonymous survey's cannot be
  joined back to anyone (no row, id, time or order per response);
- ``facts``: ``survey.answered`` in a person's stream; noted kinds for the
  audit log (a survey made, leave to make surveys granted or taken back);
- ``reads``: who sees which survey (in SQL), lists, results, the CSV;
- ``actions``: making, answering, reminding, telling the audience when a
  survey opens (once), leave to make surveys;
- ``templates``: the ready-made "how is our network working for you" survey.

Stands on ``org``, ``channels`` (people's shapes), ``notify`` (telling
people) and ``audit``; nothing below imports it. Importing this package
registers its kinds.
"""

from surveys import facts  # noqa: F401  (registers the kinds)
