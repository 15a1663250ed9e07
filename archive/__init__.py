"""What is kept, and what leaves: per-channel retention (posts older than a
number of days deleted on schedule), a person's own data to download, and the
whole network's export and import (one explicit list of record types:
archive/records.py)."""
