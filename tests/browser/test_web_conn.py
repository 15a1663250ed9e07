"""The connection manager (web/conn.js) on its own, in the page, against a
scripted fake WebSocket: backoff bounds, resume positions, dedupe by seq, gap
refill, "recovered: false" resets, writes kept across reconnects, close codes,
subscriptions the server ends."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

SCRIPT = """
async () => {
  const { Connection, backoffDelay } = await import('/conn.js');
  class FakeSocket {
    static OPEN = 1;
    static all = [];
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.sent = [];
      this.readyState = 0;
      FakeSocket.all.push(this);
    }
    send(data) { this.sent.push(JSON.parse(data)); }
    close(code) { this.drop(code ?? 1000); }
    drop(code, reason = '') { this.readyState = 3; this.onclose?.({ code, reason }); }
    recv(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
    hello() { this.readyState = 1; this.recv({ type: 'hello', v: 1, user: { id: 7 } }); }
  }
  window.WebSocket = FakeSocket;
  const out = {};
  const last = () => FakeSocket.all[FakeSocket.all.length - 1];
  const subs = (ws) => ws.sent.filter((f) => f.op === 'sub');

  // Backoff: exponential with jitter in [d/2, d], capped at 15 s.
  out.backoff = [0, 1, 2, 3, 10].map((n) => [backoffDelay(n, () => 0), backoffDelay(n, () => 1)]);

  const conn = new Connection('ws://example/ws');
  const events = [];
  const resets = [];
  const states = [];
  conn.on('event', (f) => events.push(f.seq));
  conn.on('reset', (r) => resets.push(r));
  conn.on('state', (s) => states.push(s.state));
  conn.watch(5, { epoch: 'e1', seq: 10 });
  conn.start();
  let ws = last();
  out.protocols = ws.protocols;
  ws.hello();
  out.firstSub = subs(ws)[0];
  const subbed = (id, epoch, seq, recovered) =>
    ({ type: 'subbed', id, channel: 5, epoch, seq, recovered });
  ws.recv(subbed(out.firstSub.id, 'e1', 12, true));
  const ev = (seq) =>
    ({ type: 'event', channel: 5, epoch: 'e1', seq, kind: 'post.created', data: {} });
  ws.recv(ev(11));
  ws.recv(ev(11)); // a duplicate
  ws.recv(ev(13)); // a gap: 12 is missing
  out.gapSub = subs(ws)[1];
  ws.recv(ev(14)); // still waiting for the replay
  ws.recv(subbed(out.gapSub.id, 'e1', 14, true));
  ws.recv(ev(12));
  ws.recv(ev(13));
  ws.recv(ev(14));
  out.eventsBeforeDrop = [...events];

  // The connection drops; a write made meanwhile waits for the next connection.
  ws.drop(1006);
  out.stateAfterDrop = conn.state;
  const written = conn.write({ op: 'post', channel: 5, body: 'hello', cid: 'c-1' });
  conn.retryNow();
  ws = last();
  ws.hello();
  out.resumeSub = subs(ws)[0];
  out.resent = ws.sent.find((f) => f.op === 'post');
  ws.recv({ type: 'ack', id: out.resent.id, channel: 5, epoch: 'e1', seq: 15, duplicate: false });
  out.ack = await written;

  // The server cannot replay: the client is told to refetch, and continues from subbed.seq.
  ws.recv(subbed(out.resumeSub.id, 'e2', 40, false));
  out.resets = resets;
  out.position = conn.position(5);
  ws.recv({ type: 'event', channel: 5, epoch: 'e2', seq: 41, kind: 'post.created', data: {} });
  out.eventsAfterReset = events.slice(out.eventsBeforeDrop.length);

  // A failed write is rejected with the server's code.
  const failing = conn.write({ op: 'post', channel: 5, body: 'x', cid: 'c-2' });
  const frame = ws.sent[ws.sent.length - 1];
  ws.recv({ type: 'error', id: frame.id, code: 'forbidden', message: 'no' });
  out.failed = await failing.then(() => 'resolved', (err) => err.code);

  // The server ends a subscription (access lost): told, and no longer watched.
  const lost = [];
  conn.on('access-lost', (x) => lost.push(x));
  ws.recv({ type: 'unsubbed', id: null, channel: 5, reason: 'access_lost' });
  out.accessLost = { lost, watching: conn.isWatching(5) };

  // 4001: signed out, stop (with the server's reason). 4003: stop and say so.
  const told = [];
  conn.on('unauthorized', ({ reason }) => told.push('unauthorized', reason));
  const sockets = FakeSocket.all.length;
  ws.drop(4001, 'password_changed');
  conn.retryNow();
  const newSockets = FakeSocket.all.length - sockets;
  out.after4001 = { state: conn.state, told: [...told], newSockets };

  const other = new Connection('ws://example/ws');
  other.on('forbidden', () => told.push('forbidden'));
  other.start();
  last().drop(4003);
  out.after4003 = { state: other.state, told: [...told] };

  // 4008: too many connections of one person: stop, say so; start() tries again.
  const third = new Connection('ws://example/ws');
  third.on('too-many', () => told.push('too-many'));
  third.start();
  last().drop(4008);
  const before = FakeSocket.all.length;
  third.retryNow();
  const made = () => FakeSocket.all.length - before;
  out.after4008 = { state: third.state, told: [...told], newSockets: made() };
  third.start();
  out.restarted = { state: third.state, newSockets: made() };
  out.states = states;
  return out;
}
"""


def test_connection_manager(static_page: Page) -> None:
    out: dict[str, Any] = static_page.evaluate(SCRIPT)

    assert out["backoff"] == [
        [250, 500],
        [500, 1000],
        [1000, 2000],
        [2000, 4000],
        [7500, 15000],
    ]
    assert out["protocols"] == ["json"]
    assert {k: out["firstSub"][k] for k in ("op", "channel", "epoch", "seq")} == {
        "op": "sub",
        "channel": 5,
        "epoch": "e1",
        "seq": 10,
    }
    # Each seq once, in order; the gap was asked for again from the last good position.
    assert out["gapSub"]["seq"] == 11
    assert out["eventsBeforeDrop"] == [11, 12, 13, 14]
    assert out["stateAfterDrop"] == "down"
    # After the reconnect: resume from the last position, resend the write with its cid.
    assert out["resumeSub"]["seq"] == 14 and out["resumeSub"]["epoch"] == "e1"
    assert out["resent"]["cid"] == "c-1" and out["resent"]["body"] == "hello"
    assert out["ack"]["seq"] == 15
    assert out["resets"] == [{"channel": 5, "hadPosition": True}]
    assert out["position"] == {"epoch": "e2", "seq": 40}
    assert out["eventsAfterReset"] == [41]
    assert out["failed"] == "forbidden"
    assert out["accessLost"] == {
        "lost": [{"channel": 5, "reason": "access_lost"}],
        "watching": False,
    }
    told = ["unauthorized", "password_changed"]
    assert out["after4001"] == {"state": "stopped", "told": told, "newSockets": 0}
    assert out["after4003"] == {"state": "stopped", "told": [*told, "forbidden"]}
    assert out["after4008"] == {
        "state": "stopped",
        "told": [*told, "forbidden", "too-many"],
        "newSockets": 0,
    }
    assert out["restarted"] == {"state": "connecting", "newSockets": 1}
    assert out["states"][:2] == ["connecting", "open"]
    assert "down" in out["states"]
