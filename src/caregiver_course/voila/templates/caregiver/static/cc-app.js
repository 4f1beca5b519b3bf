// Caregiver course: a small browser helper for the app page. No outside requests.
// Who the learner is travels through a widget message (see cc-widgets.js), not through this script.
// Focus: when the app shows a new page or step (its title line changes), move focus to that title and
// scroll up, so keyboard and screen-reader users land at the start of it. Nothing moves while the title
// stays the same (for example while the learner types into the start page). The move happens as soon as the
// new title is in the page (a MutationObserver), never later: a learner who taps or clicks right after a step
// appears keeps what they chose.
(function () {
  "use strict";
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
  function watch() {
    if (!document.body) { return false; }
    new MutationObserver(focusTitle).observe(document.body, { childList: true, subtree: true });
    focusTitle();
    return true;
  }
  if (!watch()) { document.addEventListener("DOMContentLoaded", watch); }
})();
