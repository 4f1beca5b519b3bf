// Caregiver course: the loading screen, in the course's words, until the start page can be used; and what a
// page does when it arrives without the app. No outside requests.
//
// Voila calls window.voila_process(i, n) before it runs each cell and window.voila_finish() once the whole
// page has arrived. The screen moves through four steps and goes away when the app (or the facilitator's
// dashboard) is on the screen. If the page arrived without the app's widget (the server could not run the
// app in time), or the app has not appeared after a long wait, the page says so in plain words and loads
// itself again after a few seconds. A reload keeps the learner: their key is in this browser's storage and
// the address (with a workshop code) stays the same. After a few tries it stops and offers a button instead.
//
// A widget the renderer gave up on too early is drawn again. Voila draws the app's output as soon as its
// scripts run, before the widgets' states have arrived from the kernel; the widget manager's get_model waits
// 2 s for the model, then throws without looking once more, and if the states arrived (and the manager
// finished restoring) during that last wait, the renderer shows "Error displaying widget: model not found"
// for good although the model is there (ipywidgets issue #4026). On a warm revisit under CPU load the
// kernel's states take about 2 s, so this happened on most such visits and the page stayed on this screen
// until the 150 s give-up. Now the output is drawn again from the same model, and a model that is really
// missing fails at once (a reload) instead of after 150 s.
(function () {
  "use strict";
  var STEPS = [
    "the page is arriving.",
    "the course is being prepared.",
    "loading the course's parts.",
    "opening the start page."
  ];
  var READY = ".cc-app .cc-stage > *, .cc-dash";
  var WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
  var NOT_FOUND = "model not found";  // the renderer's "Error displaying widget: model not found"
  var SLOW_AFTER = 60000;  // say "taking longer than usual"
  var GIVE_UP_AFTER = 150000;  // the app never appeared: try the page again
  var RETRY_IN = 5;  // seconds
  var MAX_AUTO_RETRIES = 4;
  var TRIES_KEY = "cc-page-tries";
  var box = document.getElementById("cc-loading");
  if (!box) { return; }
  var bar = document.getElementById("cc-loading-bar");
  var stepText = document.getElementById("cc-loading-step");
  var problem = document.getElementById("cc-loading-problem");
  var started = Date.now();
  var current = 0;
  var done = false;
  var failed = false;
  document.documentElement.classList.add("cc-is-loading");

  function step(n) {
    if (done || failed || n <= current) { return; }
    current = n;
    bar.value = n;
    stepText.textContent = "Step " + n + " of 4: " + STEPS[n - 1];
  }

  function tries() {
    try { return Number(window.sessionStorage.getItem(TRIES_KEY) || 0); } catch (e) { return 0; }
  }

  function setTries(n) {
    try {
      if (n) { window.sessionStorage.setItem(TRIES_KEY, String(n)); } else { window.sessionStorage.removeItem(TRIES_KEY); }
    } catch (e) { /* private mode: no count, the button still works */ }
  }

  function reload() {
    setTries(tries() + 1);
    window.location.reload();
  }

  function fail(why) {
    if (done || failed) { return; }
    failed = true;
    document.documentElement.classList.add("cc-is-loading");
    box.setAttribute("data-cc-failed", why);
    document.body.setAttribute("data-cc-page", "failed");
    var auto = tries() < MAX_AUTO_RETRIES;
    var html = "<h2>The course did not open this time</h2>" +
      "<p>This is a problem on our side, not yours. Your saved answers are safe.</p>";
    html += auto
      ? '<p class="cc-retry-count">Trying again in <span id="cc-retry-seconds">' + RETRY_IN + "</span> seconds…</p>"
      : "<p>It did not work after a few tries. Please wait a minute, then try again. If it keeps happening, " +
        "tell the person running the course.</p>";
    html += '<p><button type="button" class="cc-reload">Try again now</button></p>';
    problem.innerHTML = html;
    stepText.textContent = "The course did not open.";
    problem.querySelector("button").addEventListener("click", reload);
    if (auto) {
      var left = RETRY_IN;
      var timer = setInterval(function () {
        left -= 1;
        var s = document.getElementById("cc-retry-seconds");
        if (s) { s.textContent = String(Math.max(left, 0)); }
        if (left <= 0) { clearInterval(timer); reload(); }
      }, 1000);
    }
  }

  function ready() {
    if (done || failed) { return; }
    done = true;
    setTries(0);
    document.documentElement.classList.remove("cc-is-loading");
    document.body.setAttribute("data-cc-page", "ready");
    if (box.parentNode) { box.parentNode.removeChild(box); }
  }

  // Called before Voila's scripts draw the outputs (they remove these script elements): each widget output's
  // place remembers its model, so that it can be drawn again (redraw).
  function pageHasApp() {
    var outputs = document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]');
    var found = false;
    for (var i = 0; i < outputs.length; i++) {
      if (outputs[i].textContent.indexOf(WIDGET_VIEW) === -1) { continue; }
      found = true;
      try {
        var id = JSON.parse(outputs[i].textContent).data[WIDGET_VIEW].model_id;
        if (id && outputs[i].parentElement) { outputs[i].parentElement.setAttribute("data-cc-model", id); }
      } catch (e) { /* unreadable: this output cannot be drawn again, the give-up still reloads */ }
    }
    return found;
  }

  // A widget output that shows "model not found" once the manager has restored the widgets: draw it again if
  // the manager has the model (the renderer gave up too early), else the page cannot work: reload.
  function redraw() {
    var app = window.jupyterapp;
    var manager = app && app.widgetManager;
    if (!manager || !manager.restoredStatus) { return; }
    var places = document.querySelectorAll("[data-cc-model]");
    for (var i = 0; i < places.length; i++) {
      var place = places[i];
      var shown = place.querySelector(".jp-OutputArea-output");
      if (!shown || place.hasAttribute("data-cc-redrawn") || shown.textContent.indexOf(NOT_FOUND) === -1) { continue; }
      var id = place.getAttribute("data-cc-model");
      if (!manager.has_model(id)) { fail("no-model"); return; }
      place.setAttribute("data-cc-redrawn", "1");
      try {
        var renderer = manager.rendermime.createRenderer(WIDGET_VIEW);
        renderer.addClass("jp-OutputArea-output");
        var data = {};
        data[WIDGET_VIEW] = { model_id: id, version_major: 2, version_minor: 0 };
        if (typeof renderer.constructor.attach === "function") {  // Lumino's Widget.attach, inherited
          renderer.constructor.attach(renderer, place, shown);
        } else {
          place.insertBefore(renderer.node, shown);
        }
        place.removeChild(shown);
        renderer.renderModel({ data: data, metadata: {}, trusted: true }).catch(function () { fail("no-model"); });
        document.body.setAttribute("data-cc-redrawn", String(Number(document.body.getAttribute("data-cc-redrawn") || 0) + 1));
        if (window.console) { console.info("cc-loading: drew the app again (the widget renderer gave up too early)"); }
      } catch (e) {
        fail("no-app");
        return;
      }
    }
  }

  // The app and the dashboard say when they are ready; any other page (a lesson served on its own) is
  // ready once it has arrived with its widgets.
  var ownReadySign = /\/(course|facilitator)\.ipynb$/.test(window.location.pathname);
  var finish = window.voila_finish;
  window.voila_process = function () { step(2); };
  window.voila_finish = function () {
    step(3);
    if (!pageHasApp()) { fail("no-app"); } else if (!ownReadySign) { setTimeout(ready, 0); }
    return finish.apply(this, arguments);
  };

  function check() {
    if (done) { return; }
    if (document.querySelector(READY)) { ready(); return; }
    if (!failed) { redraw(); }
    if (document.querySelector(".cc-app, .jupyter-widgets")) { step(4); }
    var waited = Date.now() - started;
    if (!failed && waited > SLOW_AFTER && stepText.textContent.indexOf("longer") === -1) {
      stepText.textContent += " This is taking longer than usual; please keep this page open.";
    }
    if (waited > GIVE_UP_AFTER) { fail("timeout"); }
  }

  new MutationObserver(check).observe(document.documentElement, { childList: true, subtree: true });
  setInterval(check, 2000);
})();
