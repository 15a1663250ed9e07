"""Questions across channels: the company's settings for them, working hours,
the alerts for questions left waiting, the open questions page and counts,
and the figures for admins. What a question is (its row, its states, who may
mark its answer, anonymous askers) is channels/questions.py: every read of
posts shows it. This package stands above channels, notify and org."""
