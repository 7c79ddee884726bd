// The console's Socket.IO connection on /ws/socket.io: authenticates with the access
// token (fresh on every reconnect), joins rooms, and after a reconnect asks for what it
// missed with {since: <last event_id>}. Events already seen are dropped. The server ends
// a connection when its token expires (session_ended, then a server-side disconnect,
// which the client does not retry by itself): we refresh and reconnect.

import { io } from "../vendor/socket.io.esm.min.js";
import { freshToken, refresh } from "./api.js";

export const ROOM_EVENTS = {
  "celery:tasks": ["task_update", "batch_progress"],
  index: ["index_swapped"],
  metrics: ["metrics"],
};
const RETRY_MS = 3000;
// session_ended reasons after which reconnecting (with a fresh token) makes sense.
const RECONNECTABLE = new Set(["token_expired", "server_shutdown", "too_slow"]);

export class Realtime {
  constructor({ rooms, onEvent, onStatus }) {
    this.rooms = rooms;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.lastId = new Map();
    this.closed = false;
    this.ended = null;
    this.socket = io({
      path: "/ws/socket.io",
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      auth: (cb) => {
        freshToken().then((token) => cb({ token }), () => cb({}));
      },
    });
    this.socket.on("connect", () => this.subscribeAll());
    this.socket.on("disconnect", (reason) => this.disconnected(reason));
    this.socket.on("connect_error", (error) => this.connectFailed(error));
    this.socket.on("session_ended", (data) => {
      this.ended = data || {};
    });
    this.socket.on("unsubscribed", (data) => {
      this.onStatus("partial", `${data.room}: ${data.error}`);
    });
    for (const [room, events] of Object.entries(ROOM_EVENTS)) {
      for (const name of events) this.socket.on(name, (data) => this.deliver(room, name, data));
    }
  }

  async subscribeAll() {
    const results = await Promise.all(
      this.rooms.map(async (room) => {
        const request = { room };
        if (this.lastId.has(room)) request.since = this.lastId.get(room);
        try {
          const ack = await this.socket.timeout(10_000).emitWithAck("subscribe", request);
          return ack && ack.ok ? null : `${room}: ${(ack && ack.error) || "refused"}`;
        } catch {
          return `${room}: no answer`;
        }
      }),
    );
    const failures = results.filter(Boolean);
    this.onStatus(failures.length ? "partial" : "live", failures.join("; "));
  }

  deliver(room, name, data) {
    const id = data && typeof data.event_id === "number" ? data.event_id : null;
    if (id !== null) {
      const last = this.lastId.get(room);
      if (last !== undefined && id <= last) return;
      this.lastId.set(room, id);
    }
    this.onEvent(name, data || {});
  }

  async disconnected(reason) {
    if (reason !== "io server disconnect") {
      this.onStatus("reconnecting", reason);
      return;
    }
    const ended = this.ended || {};
    this.ended = null;
    this.onStatus("offline", ended.detail || reason);
    if (this.closed || (ended.reason && !RECONNECTABLE.has(ended.reason))) return;
    if (ended.reason === "token_expired") {
      try {
        await refresh();
      } catch {
        return;
      }
    }
    setTimeout(() => !this.closed && this.socket.connect(), ended.reason === "token_expired" ? 0 : RETRY_MS);
  }

  async connectFailed(error) {
    this.onStatus("offline", error && error.message ? error.message : "");
    // A refused handshake is not retried by the client itself (network errors are).
    const code = error && error.data ? error.data.error : "";
    if (this.closed || this.socket.active || code === "forbidden") return;
    if (code === "not_authenticated") {
      try {
        await refresh();
      } catch {
        return;
      }
    }
    setTimeout(() => !this.closed && this.socket.connect(), RETRY_MS);
  }

  close() {
    this.closed = true;
    this.socket.disconnect();
  }
}
