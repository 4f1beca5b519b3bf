// Caregiver course: the two small widgets drawn in the browser (loaded by anywidget; no outside requests).
// "question"/"checklist": real HTML choices. Each question is a <fieldset> named by its prompt; each
//   option is a <label> that wraps its input and its whole text, so the whole row is the tap target and
//   rows grow with their text (they can never overlap). A sorting row is its own fieldset named by its
//   situation. The feedback region is made once and only its text changes, so screen readers announce it.
// "download": a large button that asks the kernel for a file; the kernel answers with the file as base64 text
//   in a message (never binary buffers), and the page saves it through a Blob and an <a download> click.
//   action "print" asks for HTML instead and prints it (the page's @media print rules show only that sheet).
//   action "share" asks for the file and offers it to the phone's share sheet (saved where there is none).
// "share": "Send the course to someone": the phone's share sheet where there is one, else the link is copied;
//   the link is the course's address from the kernel, never this page's (no codes travel with it).
// "bridge": says hello to the kernel with this browser's saved learner token and keeps the token the
//   kernel sends back (a message, not a polled text box).
let serial = 0;

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") { node.className = v; } else { node.setAttribute(k, v); }
  }
  if (text) { node.textContent = text; }
  return node;
}

function optionRow(type, name, value, label, checked, onChange) {
  const row = el("label", { class: "cc-option" });
  const input = el("input", { type, name, value });
  input.checked = checked;
  input.addEventListener("change", onChange);
  row.append(input, el("span", { class: "cc-option-text" }, label));
  return row;
}

function renderChoices({ model, el: root }) {
  const uid = "cc-w" + (++serial) + "-" + Math.random().toString(36).slice(2, 7);
  const kind = model.get("kind");
  const box = el("div", { class: "cc-qw cc-qw-" + kind });
  const group = el("fieldset", { class: "cc-group" });
  const legend = el("legend", { class: "cc-legend" });
  if (model.get("number_label")) {
    legend.append(el("span", { class: "cc-q-number" }, model.get("number_label")), " ");
  }
  legend.append(el("span", { class: "cc-prompt", id: model.get("prompt_id") || uid + "-p" }, model.get("prompt")));
  if (model.get("hint")) { legend.append(" ", el("span", { class: "cc-hint" }, model.get("hint"))); }
  group.append(legend);
  const inputs = [];

  function current() {
    if (kind === "sort") {
      const out = {};
      for (const i of inputs) { if (i.checked) { out[i.dataset.row] = i.value; } }
      return out;
    }
    if (kind === "single") {
      const on = inputs.find((i) => i.checked);
      return on ? on.value : "";
    }
    return inputs.filter((i) => i.checked).map((i) => i.value);
  }
  function changed() {
    model.set("value", current());
    model.save_changes();
  }
  function show(value) {
    for (const i of inputs) {
      if (kind === "sort") { i.checked = !!value && value[i.dataset.row] === i.value; }
      else if (kind === "single") { i.checked = value === i.value; }
      else { i.checked = Array.isArray(value) && value.includes(i.value); }
    }
  }

  const options = model.get("options");  // [[label, value], ...]
  if (kind === "sort") {
    for (const [rowId, rowText] of model.get("rows")) {
      const row = el("fieldset", { class: "cc-sort-row" });
      row.append(el("legend", { class: "cc-sort-situation" }, rowText));
      const grid = el("div", { class: "cc-sort-options" });
      for (const [label, value] of options) {
        const r = optionRow("radio", uid + "-" + rowId, value, label, false, changed);
        r.querySelector("input").dataset.row = rowId;
        inputs.push(r.querySelector("input"));
        grid.append(r);
      }
      row.append(grid);
      group.append(row);
    }
  } else {
    const type = kind === "single" ? "radio" : "checkbox";
    for (const [label, value] of options) {
      const r = optionRow(type, uid, value, label, false, changed);
      inputs.push(r.querySelector("input"));
      group.append(r);
    }
  }
  show(model.get("value"));
  box.append(group);

  if (model.get("check_label")) {
    const button = el("button", { type: "button", class: "cc-check jupyter-button mod-primary" },
                      model.get("check_label"));
    // The check carries the choices as shown: a value update can still be waiting in the widget manager's
    // queue (it holds updates while the kernel is busy), and the check must not overtake it.
    button.addEventListener("click", () => { changed(); model.send({ event: "check", value: current() }); });
    box.append(button);
  }
  const feedback = el("div", { class: "cc-feedback", role: "status", "aria-live": "polite" });
  feedback.innerHTML = model.get("feedback");  // made by the kernel from escaped text
  box.append(feedback);
  root.append(box);

  // The kernel sets the value only before the choices are drawn (a restored answer). Later value changes
  // are the kernel echoing what this page sent; drawing an older echo after a newer tap would undo the tap,
  // so the inputs follow the learner's taps only.
  const onFeedback = () => { feedback.innerHTML = model.get("feedback"); };
  model.on("change:feedback", onFeedback);
  // The kernel's own redraw (Choices.show): a form made fresh after a save, or a saved entry loaded to edit.
  const onShow = (msg) => { if (msg && Object.prototype.hasOwnProperty.call(msg, "show")) { show(msg.show); } };
  model.on("msg:custom", onShow);
  return () => { model.off("change:feedback", onFeedback); model.off("msg:custom", onShow); };
}

const KEY = "caregiver-course-learner";
const CODE_KEY = "caregiver-course-code";  // the resume code: the server keeps only a scrambled form of it

function saved(key) {
  try { return window.localStorage.getItem(key) || ""; } catch (e) { return ""; }
}

function keep(key, value) {
  try {
    if (value === null) { window.localStorage.removeItem(key); } else if (value) { window.localStorage.setItem(key, value); }
  } catch (e) { /* private mode: progress still works for this visit */ }
}

function renderBridge({ model }) {
  let answered = false;
  let tries = 0;
  function hello() {
    if (answered) { return; }
    tries += 1;
    model.send({ hello: { token: saved(KEY), code: saved(CODE_KEY), search: window.location.search,
                          origin: window.location.origin, n: tries } });
  }
  function onMessage(msg) {
    if (msg && typeof msg.ok === "string") {
      answered = true;
      // An empty answer (the server cannot save right now) leaves what this browser has.
      if (msg.ok && msg.ok !== saved(KEY)) { keep(CODE_KEY, null); keep(KEY, msg.ok); }
      if (typeof msg.code === "string" && msg.code) { keep(CODE_KEY, msg.code); }
    }
  }
  model.on("msg:custom", onMessage);
  hello();
  // A message sent while the page is still connecting can be lost: say it again until answered.
  const timer = setInterval(() => { if (answered || tries > 30) { clearInterval(timer); } else { hello(); } },
                            2000);
  return () => { clearInterval(timer); model.off("msg:custom", onMessage); };
}

function saveFile(file) {
  const raw = atob(file.data);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
  const url = URL.createObjectURL(new Blob([bytes], { type: file.mime || "application/octet-stream" }));
  const link = el("a", { href: url, download: file.name, class: "cc-visually-hidden" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function printSheet(html) {
  let sheet = document.querySelector(".cc-print-sheet");
  if (!sheet) { sheet = el("div", { class: "cc-print-sheet" }); document.body.append(sheet); }
  sheet.innerHTML = html;  // made by the kernel from escaped text
  document.body.classList.add("cc-printing");
  const done = () => { document.body.classList.remove("cc-printing"); window.removeEventListener("afterprint", done); };
  window.addEventListener("afterprint", done);
  window.print();
  setTimeout(done, 1000);
}

// A share sheet needs a fresh tap: a file that took long to make is kept, and the next tap sends it.
async function shareFile(file, title, status) {
  const raw = atob(file.data);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
  const made = new File([bytes], file.name, { type: file.mime || "application/octet-stream" });
  if (!(navigator.share && navigator.canShare && navigator.canShare({ files: [made] }))) {
    saveFile(file);
    status.textContent = "✓ Saved: " + file.name + ". To send it, add it to a message or an email from your "
      + "Downloads folder or the files app.";
    return true;
  }
  try {
    await navigator.share({ files: [made], title });
    status.textContent = "✓ Done.";
    return true;
  } catch (e) {
    if (e && e.name === "AbortError") { status.textContent = "Nothing was sent."; return true; }
    status.textContent = "Your file is ready. Tap the button again to send it.";
    return false;
  }
}

function renderShare({ model, el: root }) {
  const box = el("div", { class: "cc-share-box" });
  const button = el("button", { type: "button", class: "cc-share jupyter-button" }, model.get("label"));
  const status = el("p", { class: "cc-share-status", role: "status", "aria-live": "polite" });
  const field = el("input", { type: "text", readonly: "", class: "cc-share-link", "aria-label": "The course's link" });
  field.hidden = true;
  button.addEventListener("click", async () => {
    const url = new URL(model.get("url") || "/", window.location.origin).href;
    if (navigator.share) {
      try {
        await navigator.share({ title: model.get("title"), text: model.get("text"), url });
        status.textContent = "✓ Done. Whoever opens the link starts the course as a new learner.";
        return;
      } catch (e) {
        if (e && e.name === "AbortError") { status.textContent = "Nothing was sent."; return; }
      }
    }
    try {
      await navigator.clipboard.writeText(url);
      status.textContent = "✓ The course's link is copied. Paste it into a message or an email.";
    } catch (e) {  // no clipboard (a page not served over https): show the link to copy by hand
      field.value = url;
      field.hidden = false;
      field.select();
      status.textContent = "Copy this link and send it in a message or an email:";
    }
  });
  box.append(button, status, field);
  root.append(box);
}

function renderDownload({ model, el: root }) {
  const box = el("div", { class: "cc-download-box" });
  const button = el("button", { type: "button", class: "cc-download jupyter-button" });
  const status = el("p", { class: "cc-download-status", role: "status", "aria-live": "polite" });
  function draw() {
    button.textContent = model.get("label");
    const note = model.get("note");
    if (note) { button.title = note; }
  }
  draw();
  let busy = false;
  let ready = null;  // a file to share that is waiting for a fresh tap
  button.addEventListener("click", () => {
    if (busy) { return; }
    if (ready) {
      const file = ready;
      shareFile(file, model.get("label"), status).then((done) => { if (done) { ready = null; } });
      return;
    }
    busy = true;
    button.setAttribute("aria-busy", "true");
    status.textContent = model.get("action") === "print" ? "Getting the page ready to print…" : "Your file is being made…";
    model.send({ event: model.get("action") || "download" });
  });
  function onMessage(msg) {
    if (!msg) { return; }
    if (typeof msg.status === "string") { status.textContent = msg.status; return; }  // still waiting
    busy = false;
    button.removeAttribute("aria-busy");
    if (msg.file && model.get("action") === "share") {
      shareFile(msg.file, model.get("label"), status).then((done) => { ready = done ? null : msg.file; });
    } else if (msg.file) {
      try {
        saveFile(msg.file);
        status.textContent = "✓ Saved: " + msg.file.name + ". Look in your Downloads folder or the files app.";
      } catch (e) {
        status.textContent = "⚠ Your browser did not save the file. Please try again, or try another browser.";
      }
    } else if (typeof msg.print === "string") {
      status.textContent = "";
      printSheet(msg.print);
    } else if (msg.error) {
      status.textContent = "⚠ " + msg.error;
    }
  }
  model.on("msg:custom", onMessage);
  model.on("change:label", draw);
  box.append(button, status);
  root.append(box);
  return () => { model.off("msg:custom", onMessage); model.off("change:label", draw); };
}

export default {
  render(ctx) {
    const kind = ctx.model.get("kind");
    if (kind === "bridge") { return renderBridge(ctx); }
    if (kind === "download") { return renderDownload(ctx); }
    if (kind === "share") { return renderShare(ctx); }
    return renderChoices(ctx);
  },
};
