"""Gatherings: what the interface calls events (イベント): a time, a place,
people answering going / maybe / not going, a waitlist, reminders, .ics files
and each person's calendar feed. Named so because "event" is the log's word
(a fact at a position in a stream), and because a top-level ``calendar``
package would hide the standard library's."""
