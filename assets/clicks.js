// learnapp: honest clicks. Every Mark as Complete is pending until the server confirms it (learnapp/ui/live/expressions.py
// renders the pending ones); a refusal, a failure or no answer rolls it back with a message and Retry; offline,
// clicks wait here and are sent on reconnect, each with an id the server answers once (idempotent resends).
import { eventLoop } from "$/utils/context-registry";
import { ReflexEvent, refs } from "$/utils/state";

const DOUBLE_CLICK_MS = 500; // a second click on the same lesson this soon is a double click, never an undo
const ANSWER_TIMEOUT_MS = 10000; // no answer this long: the click failed (the server settles it later if it can)
const TICK_MS = 250;

const entries = new Map(); // lesson slug -> {id, handler, lesson, title, course, module, done, state, sentAt}
const clickedAt = new Map(); // lesson slug -> when it was last clicked (kept after the answer: see clickLesson)
let problem = { lesson: "", title: "", message: "", retry: false };
let failed = null; // the click behind `problem`, for Retry

const newId = () =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

// Up: the browser is online and the event socket has no connection errors (Reflex keeps them until it reconnects).
const isUp = () => navigator.onLine !== false && (eventLoop.connectErrors?.length ?? 0) === 0;

const setClientState = (name, value) => {
  const setter = refs[`_client_state_set${name.charAt(0).toUpperCase()}${name.slice(1)}`];
  if (setter) {
    setter(value);
  } else {
    refs[`_client_state_${name}`] = value; // no component shows it yet: the first to mount starts from it
  }
};

const publish = () => {
  const shown = {};
  for (const e of entries.values()) {
    shown[e.lesson] = { course: e.course, module: e.module, done: e.done, state: e.state };
  }
  setClientState("learnapp_clicks", shown);
  setClientState("learnapp_click_problem", problem);
};

const send = (entry) => {
  entry.state = "saving";
  entry.sentAt = Date.now();
  eventLoop.addEvents([ReflexEvent(entry.handler, { click: { id: entry.id, lesson: entry.lesson, done: entry.done } })]);
};

const fail = (entry, message, retry) => {
  entries.delete(entry.lesson);
  failed = retry ? entry : null;
  problem = { lesson: entry.lesson, title: entry.title, message, retry };
};

/** A click on Mark as Complete (done) or Completed (not done); `handler` is the server's event name, `clickCount`
 * the browser's (2 for the second half of a double click). */
export const clickLesson = (handler, lesson, title, course, module, done, clickCount = 1) => {
  const waiting = entries.get(lesson);
  const soon = Date.now() - (clickedAt.get(lesson) ?? 0) < DOUBLE_CLICK_MS;
  if (clickCount > 1 || soon || waiting?.state === "saving") {
    // The second half of a double click, even when the server answered the first before it came (the button then
    // says Completed under the pointer), or a click the server has not answered yet: neither undoes the first.
    return;
  }
  clickedAt.set(lesson, Date.now());
  record(handler, lesson, title, course, module, done);
};

const record = (handler, lesson, title, course, module, done) => {
  const waiting = entries.get(lesson);
  problem = { lesson: "", title: "", message: "", retry: false };
  failed = null;
  if (waiting?.state === "queued") {
    entries.delete(lesson); // toggled back while offline: nothing to send, the server's state stands
  } else {
    const entry = { id: newId(), handler, lesson, title, course, module, done, state: "queued", sentAt: 0 };
    entries.set(lesson, entry);
    if (isUp()) {
      send(entry);
    }
  }
  publish();
};

/** The server's answer to click `id`: "ok", "refused" (the app said no: `message` why) or "failed". */
const settle = (id, outcome, message) => {
  const entry = [...entries.values()].find((e) => e.id === id);
  if (!entry) {
    if (outcome === "ok" && failed?.id === id) {
      // Saved after all, after the tab gave up waiting: the server's state (sent with this answer) shows it.
      problem = { lesson: "", title: "", message: "", retry: false };
      failed = null;
      publish();
    }
    return;
  }
  if (outcome === "ok") {
    entries.delete(entry.lesson);
  } else {
    fail(entry, message, outcome !== "refused");
  }
  publish();
};

const retry = () => {
  const click = failed;
  if (click) {
    record(click.handler, click.lesson, click.title, click.course, click.module, click.done); // a new click, unguarded
  }
};

const dismiss = () => {
  problem = { lesson: "", title: "", message: "", retry: false };
  failed = null;
  publish();
};

const tick = () => {
  const up = isUp();
  let changed = false;
  for (const entry of [...entries.values()]) {
    if (!up && entry.state === "saving") {
      entry.state = "queued"; // its answer may be lost with the connection: sent again (same id) on reconnect
      changed = true;
    } else if (up && entry.state === "queued") {
      send(entry);
      changed = true;
    } else if (up && entry.state === "saving" && Date.now() - entry.sentAt > ANSWER_TIMEOUT_MS) {
      fail(entry, "The server did not answer in time. It was not saved.", true);
      changed = true;
    }
  }
  if (changed) {
    publish();
  }
};

if (typeof window !== "undefined" && !window.learnappClicks) {
  window.learnappClicks = { settle, retry, dismiss, pending: () => entries.size };
  window.setInterval(tick, TICK_MS);
  window.addEventListener("online", tick);
  window.addEventListener("offline", tick);
  // Leaving with clicks the server has not confirmed asks first (the browser shows its own wording).
  window.addEventListener("beforeunload", (event) => {
    if (entries.size > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

/** Retry the last failed click (the message's button). */
export const retryClick = () => window.learnappClicks?.retry();
/** Close the message. */
export const dismissClick = () => window.learnappClicks?.dismiss();
