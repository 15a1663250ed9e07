"""Search: the full-text index of posts and comments (``post_search``,
channels/search.py), filled with every live post and comment written before
it, so an upgraded installation finds its old posts.

SQLite: an FTS5 table (``rowid`` is the post's id). PostgreSQL: a table of
``tsvector`` with a GIN index, made after the rows are in (building a GIN
index at once is several times faster than growing it row by row). The
tokens come from core/fulltext.py, in batches of ``BATCH`` posts read by id.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.fulltext import index_tokens, tsvector

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # Letters, digits and marks are token characters and diacritics are
        # kept: the tokenizer splits the stored string back into exactly the
        # tokens core/fulltext.py made. An index of every token's first
        # character makes one-character queries (prefixes) one look-up.
        op.execute(
            "CREATE VIRTUAL TABLE post_search USING fts5(tokens,"
            " tokenize = \"unicode61 remove_diacritics 0 categories 'L* N* Co M*'\","
            " prefix = '1')"
        )
        insert = sa.text("INSERT INTO post_search (rowid, tokens) VALUES (:id, :tokens)")
    else:
        op.execute(
            "CREATE TABLE post_search (post_id INTEGER PRIMARY KEY"
            " REFERENCES post (id) ON DELETE CASCADE, tokens TSVECTOR NOT NULL)"
        )
        insert = sa.text(
            "INSERT INTO post_search (post_id, tokens) VALUES (:id, CAST(:tokens AS tsvector))"
        )
    # Live posts, and comments whose post is live too.
    live = sa.text(
        "SELECT p.id, p.body FROM post p LEFT JOIN post parent ON parent.id = p.parent_id"
        " WHERE p.id > :after AND p.deleted_at IS NULL AND parent.deleted_at IS NULL"
        " ORDER BY p.id LIMIT :batch"
    )
    after = 0
    while True:
        rows = conn.execute(live, {"after": after, "batch": BATCH}).all()
        if not rows:
            break
        after = rows[-1][0]
        values = []
        for post_id, body in rows:
            found = index_tokens(body)
            if found:
                values.append(
                    {"id": post_id, "tokens": " ".join(found) if sqlite else tsvector(found)}
                )
        if values:
            conn.execute(insert, values)
    if sqlite:
        op.execute("INSERT INTO post_search (post_search) VALUES ('optimize')")
    else:
        op.execute("CREATE INDEX ix_post_search_tokens ON post_search USING gin (tokens)")
        op.execute("ANALYZE post_search")


def downgrade() -> None:
    op.execute("DROP TABLE post_search")
