// learnapp: the course and lesson the address bar names, for the lesson player (learnapp/ui/pages/player.py).
// React Router applies a navigation in a transition that re-renders the whole page a few frames after it has
// changed the URL. The player's title, and hiding everything of the lesson being left, must follow the URL
// itself: components that read this hook re-render alone, synchronously, in the task that changed the URL.
import { useSyncExternalStore } from "react";

const LESSON_PATH = /\/courses\/([^/]+)\/lessons\/([^/]+)\/?$/;
const NONE = { course: "", lesson: "" };
const listeners = new Set();
// The path, read once per change (the page's components read the snapshot many times per render).
let path = typeof window !== "undefined" ? window.location.pathname : "";
let parsed = { path: null, address: NONE };

const notify = () => {
  path = window.location.pathname;
  for (const listener of listeners) {
    listener();
  }
};

// pushState and replaceState fire no event: wrapped once so that the URL's readers hear of every change.
if (typeof window !== "undefined" && !window.learnappAddressWatched) {
  window.learnappAddressWatched = true;
  for (const name of ["pushState", "replaceState"]) {
    const original = window.history[name];
    window.history[name] = function (...args) {
      const result = original.apply(this, args);
      notify();
      return result;
    };
  }
  window.addEventListener("popstate", notify);
}

const subscribe = (listener) => {
  path = window.location.pathname; // a change before this module loaded (the route's code is fetched lazily)
  listeners.add(listener);
  return () => listeners.delete(listener);
};

const decode = (part) => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a malformed escape names no lesson of ours: compared as it is, it matches none
  }
};

const address = (current) => {
  if (parsed.path !== current) {
    const match = LESSON_PATH.exec(current);
    parsed = { path: current, address: match ? { course: decode(match[1]), lesson: decode(match[2]) } : NONE };
  }
  return parsed.address;
};

const snapshot = () => path;
const serverSnapshot = () => "";

/** {course, lesson} of the current URL ("" both off the player); the server's render knows no URL: "". */
export const useLessonAddress = () => address(useSyncExternalStore(subscribe, snapshot, serverSnapshot));
