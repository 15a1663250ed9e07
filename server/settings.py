"""Settings, from the environment only (see README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE = "sqlite+aiosqlite:///./data/kaisha.db"


def _database_url(raw: str) -> str:
    """Accept the usual spellings (postgres://, postgresql://) and pick the async driver."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+asyncpg://" + raw[len(prefix) :]
    if raw.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + raw[len("sqlite:///") :]
    return raw


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Origins allowed to open WebSockets and send cookie-authenticated writes;
    # empty means "the origin the page was served from" (Host header).
    allowed_origins: tuple[str, ...] = ()
    cookie_secure: bool = False
    node_id: str = field(default_factory=lambda: secrets.token_hex(4))
    bus_prefix: str = "kaisha"
    admin_email: str | None = None
    admin_password: str | None = None
    max_body_bytes: int = 256 * 1024
    max_frame_bytes: int = 64 * 1024
    outbox_frames: int = 2000
    # Most posts one transaction writes (server/batching.py); a batch's events reach
    # each subscriber back to back, so keep it well under outbox_frames / 2.
    post_batch: int = 50
    max_subscriptions: int = 500
    frame_rate: int = 50  # frames per second per connection, sustained
    frame_burst: int = 200
    # The same for all of a person's connections on a node together, and their
    # HTTP writes; and how many sockets a person may hold open at once.
    person_frame_rate: int = 100
    person_frame_burst: int = 400
    http_write_rate: int = 10
    http_write_burst: int = 60
    max_sockets_per_person: int = 30
    heal_interval: float = 2.0
    # How often a node checks that its open connections' credentials are still
    # good (kicks are immediate; this makes good one lost while the bus was down).
    credential_check_interval: float = 30.0
    # Most events a client may have missed and still be brought up to date by
    # replay (socket and HTTP alike); further behind, it reloads current state.
    recovery_limit: int = 5000
    log_level: str = "INFO"
    metrics_token: str | None = None  # when set, /metrics wants it as a bearer token
    metrics_public: bool = False  # without a token, /metrics answers loopback only
    # The cost of a new password hash (org/passwords.py): "standard", or
    # "minimal" for test suites only.
    password_hash_cost: str = "standard"
    # Proxies whose X-Forwarded-For is believed (addresses or networks): behind one,
    # sign-in throttling and session lists see the client's own address.
    trusted_proxies: tuple[str, ...] = ()
    # Where people reach the server (links in mail); the listening address when unset.
    public_url: str | None = None
    smtp_host: str | None = None  # mail is off unless set
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "kaisha@localhost"
    # Mail for a mention still unread this many seconds after it was made
    # (server/mention_mail.py), looked for every ``mention_email_interval``
    # seconds by each node; off while mail is.
    mention_email_delay: float = 900.0
    mention_email_interval: float = 60.0
    # Seconds between each node's look for newcomers to welcome in their
    # department channel (onboarding/welcome.py: each is welcomed once).
    welcome_interval: float = 600.0
    # Seconds between each node's look for questions left waiting for an
    # answer (server/question_alerts.py: each alert goes out once).
    question_alert_interval: float = 60.0
    # Seconds between each node's look for surveys that have opened, to tell
    # their audience (server/survey_opening.py: each is told once).
    survey_open_interval: float = 60.0
    # Seconds between each node's look for event reminders due
    # (server/gathering_reminders.py: each reminder goes out once).
    gathering_reminder_interval: float = 60.0
    # Seconds between rounds of the analytics job (server/analytics_job.py:
    # one node runs each round).
    analytics_interval: float = 600.0
    # Seconds between each node's look for scheduled announcements whose time
    # has come (server/announce_schedule.py: each is published once).
    announce_interval: float = 15.0
    # Everyone sees colleagues' email addresses (else only admins and the person).
    show_emails: bool = False
    # Files: a local directory, or an S3 bucket when S3_BUCKET is set (several
    # nodes share one); files/storage/__init__.py.
    files_dir: Path = Path("./data/files")
    s3_bucket: str | None = None
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"
    s3_prefix: str | None = None
    image_workers: int = 1  # processes decoding images (files/images.py)
    file_sweep_interval: float = 600.0  # seconds between sweeps of deleted files
    # Seconds between each node's deletion of posts past their channel's
    # retention (server/retention.py: each post deleted once), and the largest
    # network export file an admin may import (archive/importer.py).
    retention_interval: float = 3600.0
    import_max_bytes: int = 2 * 1024**3
    tune_gc: bool = False  # server processes turn it on (from_env); see server/app.py
    web_dir: Path = Path(__file__).resolve().parent.parent / "web"

    @property
    def base_url(self) -> str:
        """Where links sent out of band (mail) point: ``PUBLIC_URL``, never a request's
        Host header (which whoever sends the request chooses)."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        origins = tuple(o.strip() for o in env.get("ALLOWED_ORIGINS", "").split(",") if o.strip())
        return cls(
            database_url=_database_url(env.get("DATABASE_URL") or DEFAULT_DATABASE),
            redis_url=env.get("REDIS_URL") or None,
            host=env.get("HOST") or "127.0.0.1",
            port=_int("PORT", 8000),
            allowed_origins=origins,
            cookie_secure=env.get("COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
            node_id=env.get("NODE_ID") or secrets.token_hex(4),
            bus_prefix=env.get("BUS_PREFIX") or "kaisha",
            admin_email=env.get("ADMIN_EMAIL") or None,
            admin_password=env.get("ADMIN_PASSWORD") or None,
            max_body_bytes=_int("MAX_BODY_BYTES", 256 * 1024),
            max_frame_bytes=_int("MAX_FRAME_BYTES", 64 * 1024),
            outbox_frames=_int("OUTBOX_FRAMES", 2000),
            post_batch=_int("POST_BATCH", 50),
            person_frame_rate=_int("PERSON_FRAME_RATE", 100),
            person_frame_burst=_int("PERSON_FRAME_BURST", 400),
            http_write_rate=_int("HTTP_WRITE_RATE", 10),
            http_write_burst=_int("HTTP_WRITE_BURST", 60),
            max_sockets_per_person=_int("MAX_SOCKETS_PER_PERSON", 30),
            recovery_limit=_int("RECOVERY_LIMIT", 5000),
            heal_interval=float(env.get("HEAL_INTERVAL") or 2.0),
            log_level=env.get("LOG_LEVEL") or "INFO",
            metrics_token=env.get("METRICS_TOKEN") or None,
            metrics_public=env.get("METRICS_PUBLIC", "").lower() in ("1", "true", "yes"),
            password_hash_cost=env.get("PASSWORD_HASH_COST") or "standard",
            trusted_proxies=tuple(
                p.strip() for p in env.get("TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=_int("SMTP_PORT", 25),
            smtp_user=env.get("SMTP_USER") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=env.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            mail_from=env.get("MAIL_FROM") or "kaisha@localhost",
            mention_email_delay=float(env.get("MENTION_EMAIL_DELAY") or 900.0),
            mention_email_interval=float(env.get("MENTION_EMAIL_INTERVAL") or 60.0),
            welcome_interval=float(env.get("WELCOME_INTERVAL") or 600.0),
            question_alert_interval=float(env.get("QUESTION_ALERT_INTERVAL") or 60.0),
            survey_open_interval=float(env.get("SURVEY_OPEN_INTERVAL") or 60.0),
            gathering_reminder_interval=float(env.get("GATHERING_REMINDER_INTERVAL") or 60.0),
            analytics_interval=float(env.get("ANALYTICS_INTERVAL") or 600.0),
            announce_interval=float(env.get("ANNOUNCE_INTERVAL") or 15.0),
            show_emails=env.get("SHOW_EMAILS", "").lower() in ("1", "true", "yes"),
            files_dir=Path(env.get("FILES_DIR") or "./data/files"),
            s3_bucket=env.get("S3_BUCKET") or None,
            s3_endpoint=env.get("S3_ENDPOINT") or None,
            s3_access_key=env.get("S3_ACCESS_KEY") or None,
            s3_secret_key=env.get("S3_SECRET_KEY") or None,
            s3_region=env.get("S3_REGION") or "us-east-1",
            s3_prefix=env.get("S3_PREFIX") or None,
            image_workers=_int("IMAGE_WORKERS", 1),
            file_sweep_interval=float(env.get("FILE_SWEEP_INTERVAL") or 600.0),
            retention_interval=float(env.get("RETENTION_INTERVAL") or 3600.0),
            import_max_bytes=_int("IMPORT_MAX_BYTES", 2 * 1024**3),
            tune_gc=env.get("GC_TUNING", "1") != "0",
        )
