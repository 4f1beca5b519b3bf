// Caregiver course: three small widgets drawn in the browser (loaded by anywidget; no outside requests).
// "history": the browser's history follows the app (see ui/history.py). The page tells the kernel its own
//   address when it opens and on every Back or Forward ({go, seq}); the kernel shows that place. When the
//   learner moves inside the app, the kernel sends the new place and the page adds a history entry.
// "comfort": the "Aa Display" control: text size and colours, kept by this browser (cc-settings.js applies them).
// "reader": reads the current step aloud with the browser's own speech synthesis; play and stop on one button.
let serial = 0;

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") { node.className = v; } else { node.setAttribute(k, v); }
  }
  if (text) { node.textContent = text; }
  return node;
}

function renderHistory({ model }) {
  let seq = 0;
  function tell(start) {
    seq += 1;
    model.send({ go: window.location.hash.slice(1), seq, start });
  }
  function onMessage(msg) {
    if (!msg || typeof msg.place !== "string" || (msg.seq || 0) < seq) { return; }  // older than a Back: skip
    const hash = msg.place ? "#" + msg.place : "";
    if (window.location.hash === hash) { return; }
    const url = window.location.pathname + window.location.search + hash;
    if (msg.replace) { window.history.replaceState(null, "", url); } else { window.history.pushState(null, "", url); }
  }
  const onPop = () => tell(false);
  model.on("msg:custom", onMessage);
  window.addEventListener("popstate", onPop);
  tell(true);
  return () => { model.off("msg:custom", onMessage); window.removeEventListener("popstate", onPop); };
}

function choiceGroup(legendText, choices, current, onPick) {
  const group = el("fieldset", { class: "cc-comfort-group" });
  group.append(el("legend", {}, legendText));
  const row = el("div", { class: "cc-comfort-choices" });
  const buttons = choices.map(([value, label]) => {
    const b = el("button", { type: "button", class: "cc-comfort-choice jupyter-button", "data-value": value }, label);
    b.addEventListener("click", () => { onPick(value); });
    row.append(b);
    return b;
  });
  group.append(row);
  function show(value) { for (const b of buttons) { b.setAttribute("aria-pressed", String(b.dataset.value === value)); } }
  show(current());
  return { group, show };
}

function renderComfort({ model, el: root }) {
  const labels = model.get("labels") || {};
  const api = window.ccComfort;
  if (!api) { return undefined; }  // the page's settings script did not run: nothing to offer
  const box = el("details", { class: "cc-comfort" });
  // "Aa" alone on a narrow phone; the word stays in the control's name (and its title says what it holds).
  const summary = el("summary", { class: "cc-comfort-open", title: labels.open_name || "" });
  summary.append(el("span", { "aria-hidden": "true" }, labels.open_icon), el("span", { class: "cc-comfort-word" }, " " + labels.open));
  const panel = el("div", { class: "cc-comfort-panel" });
  const size = choiceGroup(labels.size, labels.sizes || [], api.size, (v) => api.setSize(v));
  const theme = choiceGroup(labels.theme, labels.themes || [], api.theme, (v) => api.setTheme(v));
  panel.append(size.group, theme.group);
  box.append(summary, panel);
  root.append(box);
  const onChange = () => { size.show(api.size()); theme.show(api.theme()); };
  window.addEventListener("cc-comfort", onChange);
  return () => window.removeEventListener("cc-comfort", onChange);
}

// The step's own words: everything on the stage except the step bar and the Back/Next row.
function stepText() {
  const stage = document.querySelector(".cc-stage");
  if (!stage) { return ""; }
  const parts = [];
  for (const child of stage.children) {
    if (child.matches(".cc-stepbar, .cc-nav") || child.querySelector(".cc-stepbar, .cc-nav")) { continue; }
    const text = (child.innerText || "").trim();
    if (text) { parts.push(text); }
  }
  return parts.join("\n");
}

function renderReader({ model, el: root }) {
  const labels = model.get("labels") || {};
  const speech = window.speechSynthesis;
  if (!speech || typeof window.SpeechSynthesisUtterance !== "function") { return undefined; }  // no way to speak
  const uid = "cc-reader-" + (++serial);
  // The symbol alone on a narrow phone; the words stay in the button's name.
  const button = el("button", { type: "button", class: "cc-reader jupyter-button", "aria-describedby": uid,
                                title: labels.play_name || "" });
  const icon = el("span", { "aria-hidden": "true" });
  const word = el("span", { class: "cc-reader-word" });
  button.append(icon, word);
  const note = el("span", { class: "cc-reader-note", id: uid, role: "status", "aria-live": "polite" });
  let reading = false;
  function draw(on) {
    icon.textContent = on ? labels.stop_icon : labels.play_icon;
    word.textContent = " " + (on ? labels.stop : labels.play);
    button.setAttribute("aria-pressed", String(on));
  }
  function stopped() {
    reading = false;
    draw(false);
  }
  draw(false);
  function stop() { speech.cancel(); stopped(); }
  function play() {
    const voices = speech.getVoices ? speech.getVoices() : [];
    if (!voices || !voices.length) { note.textContent = labels.no_voice; return; }
    note.textContent = "";
    const text = stepText();
    if (!text) { return; }
    speech.cancel();
    // One utterance per paragraph: some browsers stop a single long utterance after about 15 seconds.
    const chunks = text.split(/\n+/).map((x) => x.trim()).filter(Boolean);
    const lang = document.documentElement.lang || "en";
    chunks.forEach((chunk, i) => {
      const u = new window.SpeechSynthesisUtterance(chunk);
      u.lang = lang;
      if (i === chunks.length - 1) { u.onend = () => { if (reading) { stopped(); } }; }
      speech.speak(u);
    });
    reading = true;
    draw(true);
  }
  button.addEventListener("click", () => { if (reading) { stop(); } else { play(); } });
  // A new step (the stage's children change) or leaving the page stops the reading.
  const stage = document.querySelector(".cc-stage");
  const watcher = new MutationObserver(() => { if (reading) { stop(); } });
  if (stage) { watcher.observe(stage, { childList: true }); }
  root.append(button, note);
  return () => { watcher.disconnect(); if (reading) { stop(); } };
}

export default {
  render(ctx) {
    const kind = ctx.model.get("kind");
    if (kind === "history") { return renderHistory(ctx); }
    if (kind === "comfort") { return renderComfort(ctx); }
    if (kind === "reader") { return renderReader(ctx); }
    return undefined;
  },
};
