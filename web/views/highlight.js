// Show one post or comment that was asked for (a notification opened it): once
// it is on the page (the channel and its thread load after the navigation),
// scroll it into the middle of its list and mark it for a few seconds. The
// thread panel's copy is preferred: that is where a comment and its replies are.
// highlightSubject does the same for an event, an announcement or a survey
// (what a notification's `subject_id` names): the first element matching a
// selector, once its page has drawn it.
const WAIT_MS = 8000;
const SHOWN_MS = 4000;

let stopWaiting = null;

function show(el) {
  el.scrollIntoView({ block: 'center' });
  el.classList.add('highlighted');
  el.dataset.highlighted = 'true';
  setTimeout(() => {
    el.classList.remove('highlighted');
    delete el.dataset.highlighted;
  }, SHOWN_MS);
}

/** Mark the first element matching `selector` once it shows (within a few seconds). */
export function highlightSubject(selector) {
  stopWaiting?.();
  const observer = new MutationObserver(check);
  const timer = setTimeout(stop, WAIT_MS);
  function stop() {
    observer.disconnect();
    clearTimeout(timer);
    stopWaiting = null;
  }
  function check() {
    const found = document.querySelector(selector);
    if (!found) return;
    stop();
    show(found);
  }
  stopWaiting = stop;
  observer.observe(document.body, { childList: true, subtree: true });
  check();
}

export function highlightPost(id) {
  stopWaiting?.();
  const selector = `[data-post-id="${Number(id)}"]`;
  const find = () => document.querySelector(`[data-testid="thread-panel"] ${selector}`) ?? document.querySelector(selector);
  // The thread panel loads after the timeline: wait a moment for it before
  // settling for the timeline's copy.
  let fallback = null;
  const observer = new MutationObserver(check);
  const timer = setTimeout(() => {
    stop();
    if (fallback?.isConnected) show(fallback);
  }, WAIT_MS);
  function stop() {
    observer.disconnect();
    clearTimeout(timer);
    stopWaiting = null;
  }
  function check() {
    const inThread = document.querySelector(`[data-testid="thread-panel"] ${selector}`);
    if (inThread) {
      stop();
      show(inThread);
      return;
    }
    fallback = find();
    const panel = document.querySelector('[data-testid="thread-panel"]');
    // No thread opens for this URL (a channel alone), or it has loaded without it.
    if (fallback && (!location.hash.includes('/p/') || panel?.querySelector('[data-testid="comments"]')?.childElementCount)) {
      stop();
      show(fallback);
    }
  }
  stopWaiting = stop;
  observer.observe(document.body, { childList: true, subtree: true });
  check();
}
