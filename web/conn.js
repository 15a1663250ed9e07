// The connection manager: one WebSocket to /ws (JSON subprotocol), kept alive
// with jittered exponential backoff, resuming every watched channel from its
// last position (epoch, seq) and dropping events it already has.
//
// It owns positions, subscriptions and in-flight writes; it knows nothing about
// the DOM. Views listen to its events:
//   state    {state: 'connecting'|'open'|'down'|'stopped', reason?}
//   hello    the server's hello frame
//   event    an event frame, in order, each seq once per channel
//   reset    {channel, hadPosition}: the server could not replay; refetch over HTTP
//   presence / typing / tallied / commented   the server's frames as they are
//             (tallied: an announcement's confirmations changed, to its author
//             and admins; commented: its comments changed, to who may read it)
//   personal  an event of one's own stream (docs/protocol.md, "Your own stream"),
//             in order, each seq once: e.g. membership.added / membership.removed
//   personal-reset  {hadPosition}: one's own stream was (re)subscribed without a
//             replay (a fresh page, or a position the server could not replay):
//             refetch what it feeds, since anything before `subbed_me` was missed
//   position {channel, epoch, seq} after every change (the open channel reports
//             what it has shown read from it)
//   suberror {channel, code}: a sub was refused (the channel is no longer watched)
//   access-lost {channel}: the server ended a subscription (unsubbed with
//             reason access_lost: one left or was removed); no longer watched
//   unauthorized / forbidden / too-many   close codes 4001 / 4003 / 4008, with
//             the close event ({code, reason}); the manager has stopped
import { Emitter } from './emitter.js';

export const CLOSE_UNAUTHORIZED = 4001;
export const CLOSE_FORBIDDEN = 4003;
export const CLOSE_TOO_MANY_SOCKETS = 4008;
export const CLOSE_FLOOD = 4529;

// Codes 4000-4499 mean "do not reconnect as is" (docs/protocol.md, "Close codes").
const STOPPING = {
  [CLOSE_UNAUTHORIZED]: 'unauthorized',
  [CLOSE_FORBIDDEN]: 'forbidden',
  [CLOSE_TOO_MANY_SOCKETS]: 'too-many',
};

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;
const PING_EVERY_MS = 25000;
const PONG_WITHIN_MS = 10000;
const WRITE_TIMEOUT_MS = 20000;

/** Delay before reconnect attempt `n` (0-based): exponential, with full jitter in [d/2, d]. */
export function backoffDelay(n, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** n);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class ConnError extends Error {
  /** `details`: the error frame (what it carries beside `code`: `muted`'s `until`). */
  constructor(code, message, details) {
    super(message);
    this.code = code;
    this.details = details ?? {};
  }
}

export class Connection extends Emitter {
  constructor(url) {
    super();
    this.url = url;
    this.ws = null;
    this.state = 'stopped';
    this.user = null;
    this.status = 'online'; // what the person chose; re-sent after each reconnect
    this.attempt = 0;
    this.nextId = 1;
    this.channels = new Map(); // channel -> {epoch, seq, subId, syncing}
    this.me = { epoch: null, seq: null, subId: null, syncing: false }; // one's own stream
    this.requests = new Map(); // frame id -> {resolve, reject, frame, write, timer}
    this.timers = { retry: null, ping: null, pong: null };
  }

  // ---- lifecycle ------------------------------------------------------------

  start() {
    if (this.state !== 'stopped') return;
    this.#open();
  }

  stop(reason = 'stopped') {
    this.#clearTimers();
    this.#setState('stopped', reason);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
    for (const [id, req] of this.requests) {
      clearTimeout(req.timer);
      req.reject(new ConnError('stopped', 'the connection was stopped'));
      this.requests.delete(id);
    }
  }

  /** Try now instead of waiting for the backoff timer (e.g. the browser came online). */
  retryNow() {
    if (this.state === 'down') {
      clearTimeout(this.timers.retry);
      this.#open();
    }
  }

  #setState(state, reason) {
    if (this.state === state && state !== 'down') return;
    this.state = state;
    this.emit('state', { state, reason });
  }

  #open() {
    this.#setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url, ['json']);
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (msg) => this.#onMessage(msg);
    ws.onclose = (ev) => this.#onClose(ev);
  }

  #onClose(ev) {
    if (this.ws === null) return;
    this.ws = null;
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.pong);
    // Requests without a cid cannot be safely repeated: fail them. Writes (with a
    // cid) stay queued and are sent again after the reconnect; the server dedupes.
    for (const [id, req] of this.requests) {
      if (!req.write) {
        clearTimeout(req.timer);
        req.reject(new ConnError('disconnected', 'the connection dropped'));
        this.requests.delete(id);
      }
    }
    for (const sub of this.channels.values()) sub.syncing = false;
    const stopping = STOPPING[ev.code];
    if (stopping) {
      this.stop(stopping);
      this.emit(stopping, { code: ev.code, reason: ev.reason });
      return;
    }
    this.#scheduleRetry(ev.code === CLOSE_FLOOD ? 2000 : 0);
  }

  #scheduleRetry(minimum = 0) {
    this.#setState('down');
    const delay = Math.max(minimum, backoffDelay(this.attempt));
    this.attempt += 1;
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.#open(), delay);
  }

  #clearTimers() {
    clearTimeout(this.timers.retry);
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.pong);
  }

  #startHeartbeat() {
    clearInterval(this.timers.ping);
    this.timers.ping = setInterval(() => {
      this.#send({ op: 'ping', id: this.nextId++ });
      clearTimeout(this.timers.pong);
      this.timers.pong = setTimeout(() => this.ws?.close(4000, 'no pong'), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  // ---- frames in ---------------------------------------------------------------

  #onMessage(msg) {
    let frame;
    try {
      frame = JSON.parse(msg.data);
    } catch {
      return;
    }
    switch (frame.type) {
      case 'hello':
        return this.#onHello(frame);
      case 'subbed':
        return this.#onSubbed(frame);
      case 'event':
        return this.#onEvent(frame);
      case 'subbed_me':
        return this.#onSubbedMe(frame);
      case 'personal':
        return this.#onPersonal(frame);
      case 'pong':
        clearTimeout(this.timers.pong);
        return this.#settle(frame.id, frame);
      case 'unsubbed':
        if (frame.id == null) return this.#onAccessLost(frame);
        return this.#settle(frame.id, frame);
      case 'ack':
      case 'who':
      case 'read':
        return this.#settle(frame.id, frame);
      case 'error':
        return this.#onError(frame);
      case 'presence':
      case 'typing':
      case 'tallied':
      case 'commented':
        return this.emit(frame.type, frame);
      default:
        return undefined; // unknown frames are ignored (protocol v1 may grow)
    }
  }

  #onHello(frame) {
    this.user = frame.user;
    this.attempt = 0;
    this.#setState('open');
    this.#startHeartbeat();
    if (this.status !== 'online') this.#send({ op: 'status', status: this.status });
    this.#subscribeMe();
    for (const channel of this.channels.keys()) this.#subscribe(channel);
    for (const [id, req] of this.requests) {
      if (req.write) this.#send({ ...req.frame, id });
    }
    this.emit('hello', frame);
  }

  #onSubbed(frame) {
    const sub = this.channels.get(frame.channel);
    if (!sub || frame.id !== sub.subId) return; // superseded by a later sub
    sub.syncing = false;
    if (!frame.recovered) {
      const hadPosition = sub.sentPosition;
      sub.epoch = frame.epoch;
      sub.seq = frame.seq;
      this.#positionChanged(frame.channel, sub);
      this.emit('reset', { channel: frame.channel, hadPosition });
    }
  }

  #onEvent(frame) {
    const sub = this.channels.get(frame.channel);
    if (!sub) return;
    if (sub.epoch !== null && frame.epoch !== sub.epoch) {
      if (!sub.syncing) this.#subscribe(frame.channel); // a reset log: let the server say
      return;
    }
    if (sub.seq !== null && frame.seq <= sub.seq) return; // already have it
    if (sub.seq !== null && frame.seq > sub.seq + 1) {
      // A gap: ask again from our position; the replay brings what is missing.
      if (!sub.syncing) this.#subscribe(frame.channel);
      return;
    }
    sub.epoch = frame.epoch;
    sub.seq = frame.seq;
    this.#positionChanged(frame.channel, sub);
    this.emit('event', frame);
  }

  #onSubbedMe(frame) {
    const me = this.me;
    if (frame.id !== me.subId) return;
    me.syncing = false;
    if (!frame.recovered) {
      const hadPosition = me.sentPosition;
      me.epoch = frame.epoch;
      me.seq = frame.seq;
      // Events written before this subscription (after the page fetched the
      // channel list, say) will never come: whoever follows the stream refetches.
      this.emit('personal-reset', { hadPosition });
    }
  }

  #onPersonal(frame) {
    const me = this.me;
    if (me.epoch !== null && frame.epoch !== me.epoch) {
      if (!me.syncing) this.#subscribeMe();
      return;
    }
    if (me.seq !== null && frame.seq <= me.seq) return; // already have it
    if (me.seq !== null && frame.seq > me.seq + 1) {
      if (!me.syncing) this.#subscribeMe(); // a gap: the replay brings what is missing
      return;
    }
    me.epoch = frame.epoch;
    me.seq = frame.seq;
    this.emit('personal', frame);
  }

  #subscribeMe() {
    if (this.state !== 'open') return;
    const me = this.me;
    const frame = { op: 'sub_me', id: this.nextId++ };
    if (me.epoch !== null && me.seq !== null) {
      frame.epoch = me.epoch;
      frame.seq = me.seq;
    }
    me.subId = frame.id;
    me.sentPosition = 'seq' in frame;
    me.syncing = true;
    this.#send(frame);
  }

  /** The server ended a subscription: one may no longer read the channel. */
  #onAccessLost(frame) {
    if (!this.channels.delete(frame.channel)) return;
    this.emit('access-lost', { channel: frame.channel, reason: frame.reason ?? null });
  }

  #onError(frame) {
    const req = frame.id == null ? undefined : this.requests.get(frame.id);
    if (!req) {
      for (const [channel, sub] of this.channels) {
        if (frame.id != null && sub.subId === frame.id) {
          // Not allowed (any more) to follow this channel: stop asking.
          this.channels.delete(channel);
          this.emit('suberror', { channel, code: frame.code });
          return;
        }
      }
      if (frame.code !== 'rate_limited') console.warn('server error', frame.code, frame.message);
      return;
    }
    clearTimeout(req.timer);
    this.requests.delete(frame.id);
    req.reject(new ConnError(frame.code, frame.message, frame));
  }

  #settle(id, frame) {
    const req = this.requests.get(id);
    if (!req) return;
    clearTimeout(req.timer);
    this.requests.delete(id);
    req.resolve(frame);
  }

  // ---- frames out ------------------------------------------------------------

  #send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.state === 'open') {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  /** Fire and forget (typing, status). Dropped while disconnected. */
  send(frame) {
    return this.#send(frame);
  }

  /** A frame that gets an answer (who, unsub): rejects if the connection drops. */
  request(frame) {
    return this.#track(frame, false);
  }

  /**
   * A write carrying `frame.cid`: kept across reconnects and sent again with the
   * same cid until the server answers (it applies a cid once). Rejects on an
   * `error` frame or after a timeout; the caller may retry with the same cid.
   */
  write(frame) {
    return this.#track(frame, true);
  }

  #track(frame, write) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(id);
        reject(new ConnError('timeout', 'no answer from the server'));
      }, WRITE_TIMEOUT_MS);
      this.requests.set(id, { resolve, reject, frame, write, timer });
      if (!this.#send({ ...frame, id }) && !write) {
        clearTimeout(timer);
        this.requests.delete(id);
        reject(new ConnError('disconnected', 'not connected'));
      }
    });
  }

  setStatus(status) {
    this.status = status;
    this.#send({ op: 'status', status });
  }

  // ---- channels ----------------------------------------------------------------

  /** Follow a channel's events, resuming from `position` if given and none is known. */
  watch(channel, position) {
    let sub = this.channels.get(channel);
    if (sub) return;
    sub = { epoch: position?.epoch ?? null, seq: position?.seq ?? null, subId: null };
    sub.syncing = false;
    this.channels.set(channel, sub);
    this.#subscribe(channel);
  }

  /** Continue a channel from an HTTP page's position: events after it are (re)played. */
  resync(channel, epoch, seq) {
    let sub = this.channels.get(channel);
    if (!sub) {
      sub = { epoch, seq, subId: null, syncing: false };
      this.channels.set(channel, sub);
    } else {
      sub.epoch = epoch;
      sub.seq = seq;
    }
    this.#positionChanged(channel, sub);
    this.#subscribe(channel);
  }

  unwatch(channel) {
    if (!this.channels.delete(channel)) return;
    if (this.state === 'open') this.request({ op: 'unsub', channel }).catch(() => {});
  }

  isWatching(channel) {
    return this.channels.has(channel);
  }

  /** Whether the server answered the channel's `sub` on this connection: what comes next arrives live. */
  isFollowing(channel) {
    const sub = this.channels.get(channel);
    return this.state === 'open' && !!sub && sub.subId !== null && !sub.syncing;
  }

  position(channel) {
    const sub = this.channels.get(channel);
    return sub && sub.seq !== null ? { epoch: sub.epoch, seq: sub.seq } : null;
  }

  #subscribe(channel) {
    const sub = this.channels.get(channel);
    if (!sub || this.state !== 'open') return;
    const id = this.nextId++;
    const frame = { op: 'sub', id, channel };
    if (sub.epoch !== null && sub.seq !== null) {
      frame.epoch = sub.epoch;
      frame.seq = sub.seq;
    }
    sub.subId = id;
    sub.sentPosition = 'seq' in frame;
    sub.syncing = true;
    this.#send(frame);
  }

  #positionChanged(channel, sub) {
    this.emit('position', { channel, epoch: sub.epoch, seq: sub.seq });
  }
}
