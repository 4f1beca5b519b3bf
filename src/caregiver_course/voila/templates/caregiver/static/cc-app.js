// Caregiver course: small browser helpers for the app page. No outside requests.
// 1. Identity bridge: hands the kernel this browser's saved learner token (and the page's query string),
//    and keeps the token the kernel sends back. Nothing else is stored in the browser.
// 2. Focus: when the app swaps to a new page (start page or lesson), move focus to its title and scroll up,
//    so keyboard and screen-reader users land at the start of the new page.
(function () {
  "use strict";
  var KEY = "caregiver-course-learner";
  var CODE_KEY = "caregiver-course-code";
  var sentAt = 0;
  var tries = 0;
  var done = false;

  function keep(key, value) {
    try {
      if (value && value !== window.localStorage.getItem(key)) { window.localStorage.setItem(key, value); }
    } catch (e) { /* private mode: progress still works for this visit */ }
  }

  function saved(key) {
    try { return window.localStorage.getItem(key || KEY) || ""; } catch (e) { return ""; }
  }

  function bridge() {
    var input = document.querySelector(".cc-identity input");
    if (!input) { return; }
    if (input.value.indexOf("ok:") === 0) {
      done = true;
      var reply = {};
      try { reply = JSON.parse(input.value.slice(3)) || {}; } catch (e) { reply = {}; }
      if (reply.token && reply.token !== saved(KEY)) {  // another learner: the old code is not theirs
        try { window.localStorage.removeItem(CODE_KEY); } catch (e) { /* private mode */ }
      }
      keep(KEY, reply.token);
      keep(CODE_KEY, reply.code);
      return;
    }
    // Say hello until the kernel answers (a message sent while the page is still connecting can be lost).
    if (!done && Date.now() - sentAt > 2000) {
      sentAt = Date.now();
      tries += 1;
      input.value = "hello:" + JSON.stringify({ token: saved(KEY), code: saved(CODE_KEY), search: window.location.search,
                                                 origin: window.location.origin, n: tries });
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  var lastTitle = null;
  function focusTitle() {
    var stage = document.querySelector(".cc-stage");
    if (!stage) { return; }
    var title = stage.querySelector(".cc-title");
    if (title && title !== lastTitle) {
      var first = lastTitle === null;
      lastTitle = title;
      if (!first) {
        title.setAttribute("tabindex", "-1");
        window.scrollTo(0, 0);
        var scroller = document.getElementById("rendered_cells");
        if (scroller) { scroller.scrollTop = 0; }
        title.focus({ preventScroll: true });
      }
    }
  }

  setInterval(function () { bridge(); focusTitle(); }, 250);
})();
