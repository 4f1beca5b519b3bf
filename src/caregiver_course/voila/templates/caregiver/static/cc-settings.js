// Caregiver course: comfort settings kept by this browser (localStorage), applied before the app arrives so the
// page never flashes in the wrong size or colours. Text size: data-cc-text on <html> ("1" normal, "2" large,
// "3" largest; cc-app.css zooms the page). Theme: data-cc-theme "light" or "dark"; the saved choice "auto"
// (the default) follows the phone's own setting (prefers-color-scheme) and changes with it.
// The settings control itself is drawn by cc-comfort.js, which calls window.ccComfort.
(function () {
  "use strict";
  var SIZE = "caregiver-course-text-size";
  var THEME = "caregiver-course-theme";
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function get(key, fallback) {
    try { return window.localStorage.getItem(key) || fallback; } catch (e) { return fallback; }
  }
  function put(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: this visit only */ }
  }
  var size = get(SIZE, "1");
  var theme = get(THEME, "auto");
  function apply() {
    var root = document.documentElement;
    root.setAttribute("data-cc-text", /^[123]$/.test(size) ? size : "1");
    var shown = theme === "dark" || theme === "light" ? theme : (dark && dark.matches ? "dark" : "light");
    root.setAttribute("data-cc-theme", shown);
    var changed = window.CustomEvent ? new CustomEvent("cc-comfort") : null;
    if (changed) { window.dispatchEvent(changed); }
  }
  if (dark && dark.addEventListener) { dark.addEventListener("change", apply); }
  window.ccComfort = {
    size: function () { return size; },
    theme: function () { return theme; },
    setSize: function (value) { size = String(value); put(SIZE, size); apply(); },
    setTheme: function (value) { theme = String(value); put(THEME, theme); apply(); },
  };
  apply();
})();
