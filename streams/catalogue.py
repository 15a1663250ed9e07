"""The catalogue of event kinds: one model per kind, registered by the package
that owns the kind (``@fact``), validated when appended.

A fact is what an event says; an event is a fact at a position in a stream.
Each model forbids unknown fields, so a payload that drifts from its model
fails where the event is made, not in a client. Kinds are named
``noun.past_verb`` and belong to one stream kind (``channel`` or ``person``),
or are ``note`` kinds: facts a write tells its unit's duties about that no
stream keeps (streams/unit.py, ``Unit.note``; the audit log hangs on them).
docs/protocol.md lists every kind; tests/unit/test_catalogue.py checks the
list against this registry.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model


class Fact(BaseModel):
    """The data of one event kind. Subclasses set ``kind`` and ``stream``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str]
    stream: ClassVar[str]

    def subject(self) -> int | None:
        """The id of the thing the event is about (a post), for streams that index
        it: later writes find and rewrite the events about it."""
        return None


F = TypeVar("F", bound=type[Fact])

CATALOGUE: dict[str, type[Fact]] = {}
NOTE = "note"  # the stream kind of facts no stream keeps


def fact(cls: F) -> F:
    """Register an event kind."""
    if cls.kind in CATALOGUE:
        raise ValueError(f"event kind {cls.kind!r} registered twice")
    CATALOGUE[cls.kind] = cls
    return cls


def kinds_of(stream: str) -> dict[str, type[Fact]]:
    return {k: c for k, c in CATALOGUE.items() if c.stream == stream}


def parse(kind: str, data: dict[str, Any]) -> Fact:
    """An event's data as its model (``KeyError`` for an unknown kind,
    ``ValidationError`` for data that does not fit)."""
    return CATALOGUE[kind].model_validate(data)


def union(stream: str) -> TypeAdapter[Any]:
    """Every event of one stream kind as a discriminated union on ``kind``
    (``{"kind": "post.created", "data": {...}}``), for schemas and checks."""
    members = [
        create_model(
            f"{cls.__name__}Event",
            __config__=ConfigDict(extra="allow"),
            kind=(cast(Any, Literal)[kind], ...),
            data=(cls, ...),
        )
        for kind, cls in sorted(kinds_of(stream).items())
    ]
    if len(members) == 1:
        return TypeAdapter(members[0])
    either: Any = Union[tuple(members)]  # noqa: UP007  (a union built at run time)
    return TypeAdapter(Annotated[either, Field(discriminator="kind")])
