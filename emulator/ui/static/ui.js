// The dashboard: loads each section's HTML fragment into its panel, reloads the live ones
// when the pulse moves, and changes the sandbox through the control plane's own JSON calls.
// Fragments are rendered (and escaped) by the server; this script only ever inserts them,
// and writes its own messages with textContent.
"use strict";

const body = document.body;
const base = body.dataset.base;
const control = body.dataset.control;
const pollMs = Number(body.dataset.pollMs);
const asked = {}; // each section's parameters, kept across reloads
let account = "";
let lastPulse = "";

function token() {
  return sessionStorage.getItem("emulator-admin-token") || "";
}

function headers(extra) {
  const found = Object.assign({}, extra || {});
  if (token()) found["Emulator-Admin-Token"] = token();
  return found;
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

function askForToken() {
  document.getElementById("token-form").hidden = false;
  setStatus("admin token needed");
}

async function fetchSection(name, params) {
  const query = new URLSearchParams(params || "");
  if (account) query.set("account", account);
  const response = await fetch(`${base}/sections/${name}?${query}`, { headers: headers() });
  if (response.status === 401) {
    askForToken();
    throw new Error("unauthorised");
  }
  return response.text();
}

async function load(name, params) {
  const panel = document.getElementById(`panel-${name}`);
  if (!panel) return;
  if (params !== undefined) asked[name] = params;
  const started = performance.now();
  const html = await fetchSection(name, asked[name]);
  const fetched = performance.now();
  panel.querySelector(".panel-body").innerHTML = html;
  const inserted = performance.now();
  await painted();
  const done = performance.now();
  // What a page of this section costs, for anyone measuring (see the README).
  panel.dataset.renderedMs = String(Math.round(done - started));
  panel.dataset.timings = `fetch ${Math.round(fetched - started)} ms, insert ${Math.round(inserted - fetched)} ms, layout and paint ${Math.round(done - inserted)} ms`;
  panel.dataset.loads = String(Number(panel.dataset.loads || 0) + 1);
}

// Resolves once the browser has laid out and painted what was just inserted.
function painted() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

async function loadAccounts() {
  const holder = document.getElementById("accounts");
  holder.innerHTML = await fetchSection("accounts", "");
  const select = holder.querySelector("select");
  if (select) {
    account = select.value;
    select.addEventListener("change", () => {
      account = select.value;
      loadAll();
    });
  }
}

async function loadAll() {
  const names = [...document.querySelectorAll(".panel")].map((p) => p.dataset.section);
  await Promise.all(names.map((name) => load(name).catch(() => {})));
}

async function start() {
  try {
    await loadAccounts();
    lastPulse = await readPulse(); // before the sections: whatever comes later reloads them
    await loadAll();
    setStatus("");
  } catch (error) {
    if (error.message !== "unauthorised") setStatus(`could not load: ${error.message}`);
  }
}

async function readPulse() {
  const query = account ? `?account=${encodeURIComponent(account)}` : "";
  const response = await fetch(`${base}/pulse${query}`, { headers: headers() });
  if (!response.ok) throw new Error(`pulse: ${response.status}`);
  return JSON.stringify(await response.json());
}

async function poll() {
  if (document.getElementById("live").checked && document.getElementById("token-form").hidden) {
    try {
      const pulse = await readPulse();
      if (pulse !== lastPulse) {
        lastPulse = pulse;
        await refresh();
      }
      setStatus("");
    } catch (error) {
      setStatus("emulator unreachable");
    }
  }
  setTimeout(poll, pollMs);
}

async function refresh() {
  if (!account) await loadAccounts();
  const live = [...document.querySelectorAll('.panel[data-live="yes"]')];
  await Promise.all(live.map((panel) => load(panel.dataset.section).catch(() => {})));
}

function formParams(form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, value);
  return params.toString();
}

async function callControl(method, path, payload) {
  const extra = payload === undefined ? {} : { "Content-Type": "application/json" };
  const response = await fetch(`${control}${path}`, {
    method,
    headers: headers(extra),
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  if (response.status === 401) askForToken();
  const answer = await response.json().catch(() => ({}));
  const result = document.getElementById("control-result");
  const problem = answer.error ? `${answer.error.message} ${(answer.error.errors || []).map((e) => `${e.key}: ${e.message}`).join("; ")}` : "done";
  if (result) result.textContent = `${method} ${path}: ${response.status} ${problem}`;
  await refresh();
}

const actions = {
  freeze: (form) => callControl("PUT", "/clock", { freezeAt: form.freezeAt.value }),
  advance: (form) => callControl("PUT", "/clock", { advance: form.advance.value }),
  resume: () => callControl("DELETE", "/clock"),
  reset: () => {
    if (!account || !confirm(`Empty account ${account}?`)) return null;
    return callControl("POST", `/reset?accountId=${encodeURIComponent(account)}`);
  },
  "delete-fault": (button) => callControl("DELETE", `/faults/${encodeURIComponent(button.dataset.rule)}`),
  "add-fault": (form) => {
    const rule = { status: Number(form.status.value) };
    if (form.method.value) rule.method = form.method.value.toUpperCase();
    if (form.path.value) rule.path = form.path.value;
    if (form.count.value) rule.count = Number(form.count.value);
    return callControl("POST", "/faults", rule);
  },
};

document.addEventListener("click", (event) => {
  const link = event.target.closest(".chain-link");
  if (link) {
    // Its text is the customerEventId: 10,000 rows need not carry it twice.
    event.preventDefault();
    load("chain", `customerEventId=${encodeURIComponent(link.textContent)}`);
    return;
  }
  const loader = event.target.closest("[data-load]");
  if (loader) {
    event.preventDefault();
    load(loader.dataset.load, loader.dataset.params || "");
    return;
  }
  const action = event.target.closest("button[data-action]");
  if (action && actions[action.dataset.action]) {
    event.preventDefault();
    actions[action.dataset.action](action);
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  if (form.id === "token-form") {
    sessionStorage.setItem("emulator-admin-token", form.token.value);
    form.hidden = true;
    start();
  } else if (form.dataset.action && actions[form.dataset.action]) {
    actions[form.dataset.action](form);
  } else if (form.dataset.section) {
    load(form.dataset.section, formParams(form));
  }
});

document.addEventListener(
  "toggle",
  (event) => {
    const details = event.target;
    if (!details.matches || !details.matches("details[data-entry]") || !details.open) return;
    const holder = details.querySelector(".entry-body");
    if (holder.childElementCount) return;
    fetchSection("journal_entry", `sequence=${details.dataset.entry}`).then((html) => {
      holder.innerHTML = html;
    });
  },
  true,
);

start().then(() => setTimeout(poll, pollMs));
