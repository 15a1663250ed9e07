"""The house's structure, checked: dependencies point downward, every write
goes through the one write path, and the protocol document lists exactly the
event kinds the catalogue has."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

# Importing these registers the kinds: the channel and membership kinds,
# preference.changed, read.moved, the notification kinds, the account kinds.
import channels.facts
import channels.prefs
import channels.reading  # noqa: F401
import moderation.facts  # noqa: F401
import notify.facts  # noqa: F401
import onboarding.facts  # noqa: F401
import org.facts  # noqa: F401
import surveys.facts  # noqa: F401
import words.facts  # noqa: F401
from streams.catalogue import CATALOGUE, NOTE, kinds_of

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "core",
    "bus",
    "streams",
    "words",
    "org",
    "channels",
    "notify",
    "audit",
    "onboarding",
    "moderation",
    "questions",
    "surveys",
    "gatherings",
    "usage",
    "archive",
    "announcements",
    "presence",
    "files",
    "server",
)
# What each package may import of ours: each stands on the ones below it.
ALLOWED = {
    "core": set(),
    "bus": {"core"},
    "presence": {"core"},
    "files": {"core"},
    "streams": {"core", "bus"},
    # The word check: the list, its matching, and its records on the write path.
    "words": {"core", "bus", "streams"},
    "org": {"core", "bus", "streams", "words"},
    "channels": {"core", "bus", "streams", "words", "org", "files"},
    # Notifications follow channels' events (duties on the write path, never a
    # call from channels) and ask channels' read rule.
    "notify": {"core", "bus", "streams", "words", "org", "channels"},
    # Onboarding reads channels (groups joined, posts in one's department) and
    # follows their events with duties; channels never call it.
    "onboarding": {"core", "bus", "streams", "words", "org", "channels", "audit"},
    # The audit log follows org's and channels' facts (a duty per audited kind)
    # and reads names of people; packages above it declare their kinds audited.
    "audit": {"core", "streams", "words", "org", "channels"},
    # Moderation hides and deletes through channels, tells through notify, and
    # declares its kinds audited.
    "moderation": {"core", "bus", "streams", "org", "channels", "notify", "audit"},
    # Questions across channels (open lists, waiting alerts, figures) read
    # channels and org and notify people; what a question is lives in channels.
    "questions": {"core", "bus", "streams", "words", "org", "channels", "notify"},
    # Surveys read people and departments (org), show people as channels do,
    # tell their audience through notify and declare their kinds audited.
    "surveys": {"core", "bus", "streams", "words", "org", "channels", "notify", "audit"},
    # Events (gatherings): in channels, read by channels' rule, told through
    # notify; the company's time zone is org's.
    "gatherings": {
        "core",
        "bus",
        "streams",
        "org",
        "channels",
        "notify",
        "announcements",
        "words",
    },
    # Analytics read every package's tables (never write them), count mentions
    # as channels read them, and declare their export audited.
    "usage": {
        "core",
        "streams",
        "org",
        "channels",
        "audit",
        "announcements",
        "gatherings",
        "surveys",
    },
    # Retention and export sit above every domain: the export's list of record
    # types names each domain's tables; retention deletes through channels.
    "archive": {
        "core",
        "bus",
        "streams",
        "words",
        "org",
        "channels",
        "notify",
        "audit",
        "onboarding",
        "moderation",
        "questions",
        "files",
        "announcements",
        "gatherings",
        "surveys",
        "usage",
    },
    # Announcements read org's people and departments, render bodies as posts
    # are rendered, put their text through the word check, remind through
    # notify and declare their kinds audited; nothing below calls them.
    "announcements": {"core", "bus", "streams", "words", "org", "channels", "notify", "audit"},
    "server": set(PACKAGES),
}


def _sources(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_dependencies_point_downward() -> None:
    wrong = []
    for package, allowed in ALLOWED.items():
        for path in _sources(package):
            ours = _imports(path) & set(PACKAGES)
            for imported in ours - allowed - {package}:
                wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
            if package != "server" and "starlette" in _imports(path):
                wrong.append(f"{path.relative_to(ROOT)} imports starlette")
    assert not wrong, wrong


def test_only_the_unit_of_work_commits_and_publishes_news() -> None:
    committing, publishing = [], []
    for package in PACKAGES:
        for path in _sources(package):
            text = path.read_text(encoding="utf-8")
            where = str(path.relative_to(ROOT))
            # A unit's own commit() is how everyone else commits.
            others = [c for c in re.findall(r"(\w+)\.commit\(\)", text) if c != "unit"]
            if others and where != "streams/unit.py":
                committing.append(where)
            if "News(" in text and where not in ("streams/unit.py", "bus/messages.py"):
                publishing.append(where)
    assert committing == [], committing
    assert publishing == [], publishing


def _documented_kinds() -> dict[str, set[str]]:
    """Kinds in docs/protocol.md's tables, by the frame that carries them."""
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = text.split("### Event kinds", 1)[1].split("\n## ", 1)[0]
    channel_part, person_part = section.split("In your own stream", 1)
    pattern = re.compile(r"^\| `([a-z_]+\.[a-z_]+)`(?: / `([a-z_]+\.[a-z_]+)`)? \|", re.M)

    def kinds(part: str) -> set[str]:
        return {k for m in pattern.finditer(part) for k in m.groups() if k}

    return {"channel": kinds(channel_part), "person": kinds(person_part)}


def test_the_protocol_document_lists_every_event_kind_and_no_other() -> None:
    documented = _documented_kinds()
    for stream in ("channel", "person"):
        assert documented[stream] == set(kinds_of(stream)), stream
    # Noted kinds (streams/unit.py, ``Unit.note``) go on no wire: the audit log's
    # actions, listed in docs/architecture.md.
    assert documented["channel"] | documented["person"] == set(CATALOGUE) - set(kinds_of(NOTE))


def test_every_package_is_installed_and_type_checked() -> None:
    """pyproject.toml names each package twice: for the install (without it,
    `python -m server` run elsewhere cannot import the package) and for mypy."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    installed = {p.rstrip("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]}
    checked = set(config["tool"]["mypy"]["files"])
    for package in PACKAGES:
        assert package in installed, f"{package} is missing from [tool.setuptools.packages.find]"
        assert package in checked, f"{package} is missing from [tool.mypy] files"
