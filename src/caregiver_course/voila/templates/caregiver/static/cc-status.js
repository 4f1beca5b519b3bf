// Caregiver course: says so at once when the page's kernel is gone, and asks "still there?" before an idle
// page's kernel is let go. No outside requests: it only asks this server about this page's own kernel.
//
// When the kernel dies, restarts or is culled, the widgets on the page stop working. This script notices
// (the kernel's websocket closes, the tab comes back into view, or a check every 15 s) and covers the page
// with a plain message and one button that reloads the course: the browser keeps the learner's token, so
// the fresh page has every saved answer. While the message shows, nothing else can be clicked, so no click
// is silently lost.
(function () {
  "use strict";
  var CHECK_EVERY = 15000;
  // The server lets an idle page's kernel go after data-idle-seconds (60 minutes by default): ask 10 minutes
  // before that (or at 3/4 of it, if it is short).
  var bar = document.getElementById("cc-help-bar");
  var idle = 1000 * Number((bar && bar.getAttribute("data-idle-seconds")) || 3600);
  var IDLE_ASK_AFTER = Math.max(idle - 10 * 60 * 1000, idle * 0.75);
  var config = {};
  try { config = JSON.parse(document.getElementById("jupyter-config-data").textContent); } catch (e) { return; }
  var kernelId = config.kernelId;
  if (!kernelId) { return; }
  var base = (config.baseUrl || "/").replace(/\/?$/, "/");
  var statusUrl = base + "cc/kernel/" + kernelId;
  var gone = false;
  var checking = false;
  var lastCheck = 0;
  var lastInput = Date.now();
  var asked = false;

  function overlay(id, html) {
    var old = document.getElementById(id);
    if (old) { old.parentNode.removeChild(old); }
    var box = document.createElement("div");
    box.id = id;
    box.className = "cc-overlay";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-labelledby", id + "-title");
    box.innerHTML = html;
    document.body.appendChild(box);
    var button = box.querySelector("button");
    if (button) { button.focus(); }
    return box;
  }

  function showGone() {
    if (gone) { return; }
    gone = true;
    var box = overlay("cc-kernel-gone",
      '<div class="cc-overlay-card"><h2 id="cc-kernel-gone-title">The course lost its connection</h2>' +
      "<p>Your saved answers are safe. Anything you did in the last few seconds may not have been saved.</p>" +
      '<p><button type="button" class="cc-reload">Reload the course</button></p>' +
      "<p>Need help now? Use the numbers at the top of the page.</p></div>");
    box.querySelector("button").addEventListener("click", function () { window.location.reload(); });
    document.body.setAttribute("data-cc-kernel", "gone");
  }

  function check(soon) {
    if (gone || checking || (soon && Date.now() - lastCheck < 5000)) { return; }
    checking = true;
    lastCheck = Date.now();
    fetch(statusUrl, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      checking = false;
      if (r.status === 410 || r.status === 404) { showGone(); }
    }).catch(function () {
      checking = false;  // the network, not the kernel: try again at the next check
    });
  }

  function stillThere() {
    asked = false;
    lastInput = Date.now();
    var box = document.getElementById("cc-still-there");
    if (box) { box.parentNode.removeChild(box); }
    fetch(statusUrl, { method: "POST", cache: "no-store", credentials: "same-origin" }).then(function (r) {
      if (r.status === 410 || r.status === 404) { showGone(); }
    }).catch(function () { /* checked again soon */ });
  }

  function askIfIdle() {
    if (gone || asked || Date.now() - lastInput < IDLE_ASK_AFTER) { return; }
    asked = true;
    var box = overlay("cc-still-there",
      '<div class="cc-overlay-card"><h2 id="cc-still-there-title">Are you still there?</h2>' +
      "<p>To keep your place, tap the button. Your saved answers are safe either way.</p>" +
      '<p><button type="button" class="cc-still-here">Yes, I am still here</button></p></div>');
    box.querySelector("button").addEventListener("click", stillThere);
  }

  // Watch the kernel's websocket: when it closes, check at once whether the kernel is still there.
  var NativeWebSocket = window.WebSocket;
  if (NativeWebSocket) {
    var Watched = function (url, protocols) {
      var ws = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
      if (String(url).indexOf(kernelId) !== -1) {
        ws.addEventListener("close", function () { setTimeout(check, 500); });
      }
      return ws;
    };
    Watched.prototype = NativeWebSocket.prototype;
    ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { Watched[k] = NativeWebSocket[k]; });
    window.WebSocket = Watched;
  }

  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () {
      lastInput = Date.now();
      if (!gone) { setTimeout(function () { check(true); }, 1500); }  // a click on a dead page is told soon
    }, true);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { check(); }
  });
  setInterval(function () { check(); askIfIdle(); }, Math.min(CHECK_EVERY, IDLE_ASK_AFTER / 4));
})();
