"""Usage analytics for the people who run the network: who is active, which
features are used (and which nobody uses), how departments talk to each
other, how newcomers fare. Aggregates only: nothing here ranks a person, and
no figure drawn from fewer than ``MIN_PEOPLE`` (5) people is shown.

Owns the rollup tables a background job fills incrementally from stored data
(``rollup.py``), the registry of features whose use is counted
(``features.py``), the report built from the rollups (``report.py``) and its
CSV tables (``export.py``). It only reads other packages' tables; the job and
the routes live in server/ (server/analytics_job.py, server/routes/analytics.py).
"""
