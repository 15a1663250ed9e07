"""Events as iCalendar (RFC 5545), written with the ``icalendar`` library:
one event's .ics file, and a person's calendar feed (every event it lists in
one calendar). Times are written in the company's zone, with its
``VTIMEZONE`` made by the library from the zone database (a hand-written one
is how calendar imports break); the ``UID`` is the event's own and never
changes, and ``SEQUENCE`` grows with every change, so a calendar app updates
the event it already has instead of adding another."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

import icalendar

from gatherings.models import Answer, Gathering, aware

PRODID = "-//Kaisha//Events//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"


def _event(
    g: Gathering, organiser: str, zone: zoneinfo.ZoneInfo, answer: str | None, url: str
) -> icalendar.Event:
    ev = icalendar.Event()
    ev.add("uid", g.uid)
    ev.add("dtstamp", aware(g.updated_at))
    ev.add("dtstart", aware(g.starts_at).astimezone(zone))
    ev.add("dtend", aware(g.ends_at).astimezone(zone))
    ev.add("summary", g.title)
    if g.description:
        ev.add("description", g.description)
    place = g.place or g.link
    if place:
        ev.add("location", place)
    if g.link:
        ev.add("url", g.link)
    elif url:
        ev.add("url", url)
    ev.add("sequence", g.sequence)
    ev.add("organizer", f"CN={organiser}", parameters={"CN": organiser})
    if g.cancelled_at is not None:
        ev.add("status", "CANCELLED")
    elif answer in (Answer.maybe.value, Answer.waitlist.value):
        ev.add("status", "TENTATIVE")
    else:
        ev.add("status", "CONFIRMED")
    return ev


def calendar(
    items: Iterable[tuple[Gathering, str, str | None, str]],
    zone: zoneinfo.ZoneInfo,
    name: str,
) -> bytes:
    """A calendar of events: each (event, organiser's name, one's answer or
    None, its page's URL)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone.key)
    for g, organiser, answer, url in items:
        cal.add_component(_event(g, organiser, zone, answer, url))
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data
