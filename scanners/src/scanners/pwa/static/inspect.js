// The inspection mode of the phone app, for a regulator's inspector: pick a template (kept on the
// phone for offline use), name the party, give a finding for every item with photos from the camera
// or a file, and save it as a draft or queue it. Drafts and queued inspections are kept in IndexedDB
// (inspections.js) and survive a reload or a closed tab; the queue is sent, exactly once, on open,
// when the network comes back, after queuing and on "Sync now" (sendinspections.js). A recorded
// inspection's record is signed on the phone with a key made here (signing.js), the signature queued.

import { N_, language, loadCatalogue, setLanguage, t, translatePage } from "./i18n.js";
import { paintLanguage, paintNetwork as paintNetworkSaying, say, shownNotice } from "./notice.js";
import { allInspections, allSignatures, deleteDraft, getInspection, keep, kept, queueDraft, saveDraft, sha256 } from "./inspections.js";
import { sendInspections } from "./sendinspections.js";
import { makeSigningKey, signRecord, signingKey } from "./signing.js";

const RESULTS = { pass: N_("Pass"), fail: N_("Fail"), not_applicable: N_("Not applicable") };
const SHOWN_IN_LIST = 100;

const $ = (id) => document.getElementById(id);
let me = null;
let templates = [];
let current = null;
let showing = "queued";
let syncs = 0;

// ---- who is signed in, and the templates ----

async function whoAmI() {
  let answer = null;
  try {
    answer = await fetch("/scan/api/me", { cache: "no-store" });
  } catch {
    answer = null;
  }
  if (answer?.status === 401) {
    location.assign("/scan/signin");
    return false;
  }
  if (answer?.ok) {
    const body = await answer.json();
    me = { org: body.org, inspector: body.inspector };
    await keep("me", me);
  } else {
    me = await kept("me");
    if (!me) say(N_("You are offline and no one is signed in on this phone: sign in when the network is back."));
  }
  $("who").textContent = me?.inspector ? `${me.inspector.name} · ${me.org.name}` : "";
  return true;
}

async function loadTemplates() {
  try {
    const answer = await fetch("/scan/api/enforcement/templates", { cache: "no-store" });
    if (answer.ok) {
      templates = (await answer.json()).templates;
      await keep("templates", templates);
      return;
    }
  } catch {
    // offline: the kept copy
  }
  templates = (await kept("templates")) || [];
  if (!templates.length) say(N_("The inspection templates are not on this phone yet: open the app once with the network."));
}

function templateOf(code) {
  return templates.find((each) => each.code === code) || null;
}

function templateName(template) {
  if (!template) return "";
  return language() === "zh" ? template.name : template.name_en || template.name;
}

async function signOut() {
  let session = null;
  try {
    const answer = await fetch("/scan/api/me", { cache: "no-store" });
    session = answer.ok ? await answer.json() : null;
  } catch {
    say(N_("Signing out needs the network."));
    return;
  }
  if (session) await fetch("/scan/signout", { method: "POST", headers: { "X-CSRF-Token": session.csrf } });
  location.assign("/scan/signin");
}

// ---- the inspection being filled in ----

// RFC 3339 in the phone's own offset: when the inspection began.
function localTime(date) {
  const pad = (n) => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const zone = `${offset >= 0 ? "+" : "-"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${zone}`;
}

function blankDraft(code) {
  const template = templateOf(code) || templates[0] || null;
  return {
    // Made now, so that saves racing each other (one per change) write the same draft.
    id: crypto.randomUUID(),
    badge: me?.inspector?.badge_no || null,
    template: template?.code || "",
    party: "",
    place: "",
    summary: "",
    inspected_at: localTime(new Date()),
    findings: (template?.items || []).map((item) => ({ item: item.code, result: null, note: "", photos: [] })),
  };
}

function element(tag, attributes = {}, text = null) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  if (text !== null) made.textContent = text;
  return made;
}

function photoList(finding) {
  const list = element("ul", { class: "photos" });
  finding.photos.forEach((photo, index) => {
    const entry = element("li");
    entry.append(element("span", {}, photo.name || photo.sha256.slice(0, 12)));
    const remove = element("button", { type: "button", class: "link", "data-i18n": N_("Remove") }, t("Remove"));
    remove.addEventListener("click", async () => {
      finding.photos.splice(index, 1);
      await saveCurrent();
      paintItems();
    });
    entry.append(" ", remove);
    list.append(entry);
  });
  return list;
}

function itemFields(item, finding) {
  const box = element("fieldset", { class: "item", "data-item": item.code });
  box.append(element("legend", {}, `${item.code} ${item.text}`));
  box.append(element("p", { class: "basis" }, item.legal_basis));
  const results = element("div", { class: "results" });
  for (const [value, words] of Object.entries(RESULTS)) {
    const label = element("label");
    const radio = element("input", { type: "radio", name: `result-${item.code}`, value });
    radio.checked = finding.result === value;
    radio.addEventListener("change", () => {
      finding.result = value;
      saveCurrent();
    });
    label.append(radio, " ", element("span", { "data-i18n": words }, t(words)));
    results.append(label);
  }
  box.append(results);
  const noteId = `note-${item.code}`;
  box.append(element("label", { for: noteId, "data-i18n": N_("Note (what was found)") }, t("Note (what was found)")));
  const note = element("textarea", { id: noteId, rows: "2" });
  note.value = finding.note;
  note.addEventListener("change", () => {
    finding.note = note.value;
    saveCurrent();
  });
  box.append(note);
  const photoId = `photo-${item.code}`;
  box.append(element("label", { for: photoId, class: "photo-label", "data-i18n": N_("Add photos (camera or file)") }, t("Add photos (camera or file)")));
  const input = element("input", { id: photoId, type: "file", accept: "image/jpeg,image/png", capture: "environment", multiple: "" });
  input.addEventListener("change", () => addPhotos(finding, input));
  box.append(input, photoList(finding));
  return box;
}

async function addPhotos(finding, input) {
  for (const file of input.files) {
    finding.photos.push({ sha256: await sha256(file), name: file.name, type: file.type, blob: file });
  }
  input.value = "";
  await saveCurrent();
  paintItems();
}

function paintItems() {
  const template = templateOf(current.template);
  const byItem = new Map(current.findings.map((f) => [f.item, f]));
  $("items").replaceChildren(...(template?.items || []).map((item) => itemFields(item, byItem.get(item.code))));
}

function paintTemplates() {
  $("template").replaceChildren(
    ...templates.map((each) => {
      const option = element("option", { value: each.code }, templateName(each));
      option.selected = each.code === current?.template;
      return option;
    }),
  );
}

function paintForm() {
  paintTemplates();
  $("template").value = current.template;
  $("party").value = current.party;
  $("place").value = current.place;
  $("summary").value = current.summary;
  $("form-problem").textContent = "";
  paintItems();
}

function readForm() {
  current.party = $("party").value.trim();
  current.place = $("place").value.trim();
  current.summary = $("summary").value.trim();
}

function worthKeeping(draft) {
  return Boolean(draft.party || draft.summary || draft.findings.some((f) => f.result || f.note || f.photos.length));
}

// The form is kept as a draft as soon as it holds anything: a reload or a closed tab loses nothing.
async function saveCurrent() {
  readForm();
  if (!current.badge || !(current.kept || worthKeeping(current))) return;
  current.kept = true;
  await saveDraft(current);
  await render();
}

function changeTemplate() {
  const chosen = $("template").value;
  if (chosen === current.template) return;
  const template = templateOf(chosen);
  current.template = chosen;
  current.findings = (template?.items || []).map((item) => ({ item: item.code, result: null, note: "", photos: [] }));
  paintItems();
  saveCurrent();
}

// Why the inspection cannot be queued yet, or null (the server checks the same, and the party).
function formProblem(draft) {
  if (!draft.badge) return t("Sign in first.");
  if (!templateOf(draft.template)) return t("Choose an inspection template.");
  if (!draft.party) return t("Name the inspected party (its handle).");
  const open = draft.findings.filter((f) => !f.result).map((f) => f.item);
  if (open.length) return t("Give a finding for every item: %(items)s", { items: open.join(", ") });
  const unexplained = draft.findings.filter((f) => f.result === "fail" && !f.note.trim()).map((f) => f.item);
  if (unexplained.length) return t("A failed item needs a note saying what was found: %(items)s", { items: unexplained.join(", ") });
  return null;
}

async function saveDraftNow() {
  readForm();
  if (!current.badge) return;
  current.kept = true;
  await saveDraft(current);
  say(N_("Draft saved on this phone."));
  await render();
}

async function queueCurrent(event) {
  event.preventDefault();
  readForm();
  const problem = formProblem(current);
  $("form-problem").textContent = problem || "";
  if (problem) return;
  // The form is the next inspection's at once, before the queued one is written: what is typed
  // meanwhile must not land in the inspection being queued, nor be cleared when it is.
  const queued = current;
  queued.kept = true;
  startNew();
  await saveDraft(queued);
  await queueDraft(queued.id);
  say(N_("Queued: it is sent as soon as the network is there."));
  await render();
  requestSync();
}

function startNew() {
  current = blankDraft(current?.template);
  paintForm();
}

async function continueDraft(id) {
  const found = await getInspection(id);
  if (!found || found.state !== "draft") return;
  current = found;
  paintForm();
  $("form-title").scrollIntoView();
  $("party").focus();
}

// ---- the list of inspections on the phone ----

function when(millis) {
  const locale = language() === "zh" ? "zh-CN" : "en-GB";
  return new Date(millis).toLocaleString(locale, { hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

function stateLine(inspection) {
  if (inspection.state === "draft") return t("Draft, saved %(time)s", { time: when(inspection.saved_at) });
  if (inspection.state === "queued") return t("Queued %(time)s · waiting to be sent", { time: when(inspection.queued_at) });
  if (inspection.state === "refused") return t("Refused");
  const again = inspection.result?.duplicate ? ` · ${t("sent before")}` : "";
  return t("Recorded as %(number)s", { number: inspection.result?.number || "" }) + again;
}

const SIGNATURE_STATES = {
  queued: N_("Inspection record %(id)s: signed on this phone, waiting to be sent"),
  sent: N_("Inspection record %(id)s: signed"),
  refused: N_("Inspection record %(id)s: the signature was refused"),
};

function documentLine(inspection, signature, key) {
  if (signature) {
    const line = element("span", { class: "signed" }, t(SIGNATURE_STATES[signature.state], { id: signature.document_id }));
    line.dataset.state = signature.state;
    return line;
  }
  if (!key) return null;
  const sign = element("button", { type: "button", class: "secondary" }, t("Sign the inspection record"));
  sign.addEventListener("click", () => signOne(inspection));
  return sign;
}

function inspectionItem(inspection, signatures, key) {
  const item = element("li", { "data-id": inspection.id, "data-state": inspection.state });
  if (inspection.client_id) item.dataset.clientId = inspection.client_id;
  const photos = inspection.findings.reduce((n, f) => n + f.photos.length, 0);
  const heading = `${templateName(templateOf(inspection.template)) || inspection.template} · ${inspection.party || t("no party yet")}`;
  item.append(element("span", { class: "what" }, heading), element("br"));
  item.append(element("span", { class: "state" }, `${stateLine(inspection)} · ${t("%(n)s photos", { n: photos })}`));
  if (inspection.state === "refused") {
    const errors = (inspection.result?.errors || []).map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason));
    item.append(element("br"), element("span", { class: "detail" }, errors.join("; ") || inspection.result?.detail || ""));
  }
  if (inspection.state === "recorded") {
    const line = documentLine(inspection, signatures.get(inspection.id), key);
    if (line) item.append(element("br"), line);
  }
  if (inspection.state === "draft") {
    const row = element("div", { class: "row" });
    const open = element("button", { type: "button", class: "secondary" }, t("Continue"));
    open.addEventListener("click", () => continueDraft(inspection.id));
    const drop = element("button", { type: "button", class: "link" }, t("Delete draft"));
    drop.addEventListener("click", async () => {
      await deleteDraft(inspection.id);
      if (current.id === inspection.id) startNew();
      await render();
    });
    row.append(open, drop);
    item.append(row);
  }
  return item;
}

async function render() {
  if (!me?.inspector) return;
  const inspections = await allInspections(me.inspector.badge_no);
  for (const state of ["draft", "queued", "recorded", "refused"]) {
    $(`n-${state}`).textContent = String(inspections.filter((i) => i.state === state).length);
  }
  const shown = inspections.filter((i) => i.state === showing).slice(0, SHOWN_IN_LIST);
  const signatures = new Map((await allSignatures(me.inspector.badge_no)).map((s) => [s.inspection, s]));
  const key = await signingKey(me.inspector.badge_no);
  $("queue-list").replaceChildren(...shown.map((each) => inspectionItem(each, signatures, key)));
  $("queue-empty").hidden = shown.length > 0;
  paintKey(key);
}

// ---- signing ----

function paintKey(key) {
  let words = N_("No signing key on this phone: make one to sign inspection records here.");
  if (key?.registered) words = N_("Inspection records are signed with this phone's key; its private half never leaves the phone.");
  else if (key) words = N_("The key is made: it is registered with the server on the next sync.");
  $("key-state").dataset.i18n = words;
  $("key-state").textContent = t(words);
  $("key-state").dataset.registered = String(Boolean(key?.registered));
}

async function makeKey() {
  if (!me?.inspector) return;
  try {
    await makeSigningKey(me.inspector.badge_no);
  } catch {
    say(N_("This browser cannot make an Ed25519 key: sign with the command line instead."));
    return;
  }
  await render();
  requestSync();
}

async function signOne(inspection) {
  try {
    const answer = await fetch("/scan/api/me", { cache: "no-store" });
    if (!answer.ok) throw new Error(`${answer.status}`);
    const session = await answer.json();
    await signRecord(inspection, me.inspector.badge_no, session.csrf);
  } catch {
    say(N_("Signing needs the network: the server draws up the record's PDF."));
    return;
  }
  await render();
  requestSync();
}

// ---- the network ----

const OUTCOMES = {
  offline: N_("Offline: inspections are kept on this phone and sent when the network is back."),
  "signed-out": N_("Your session has ended: sign in again to send the waiting inspections."),
  unavailable: N_("The server did not answer: the waiting inspections will be sent later."),
};

function paintNetwork() {
  paintNetworkSaying(OUTCOMES.offline);
}

let syncing = null;
let syncAgain = false;

function requestSync() {
  if (syncing) {
    syncAgain = true;
    return syncing;
  }
  syncing = (async () => {
    do {
      syncAgain = false;
      const result = await sendInspections(() => render());
      if (result.outcome === "ok") {
        if (Object.values(OUTCOMES).includes(shownNotice()?.message)) say(null);
      } else {
        say(OUTCOMES[result.outcome]);
      }
      $("signin-again").hidden = result.outcome !== "signed-out";
      await render();
    } while (syncAgain);
  })().finally(() => {
    syncing = null;
    syncs += 1;
    document.body.dataset.syncs = String(syncs);
  });
  return syncing;
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/scan/sw.js", { type: "module", scope: "/scan/" });
  } catch (error) {
    console.warn("no service worker: the app will not open offline", error);
  }
}

// ---- language ----

async function switchLanguage() {
  await setLanguage(language() === "zh" ? "en" : "zh");
  paintLanguage();
  if (current) paintTemplates();
  await render();
}

// ---- parties ----

function showParties(parties) {
  $("party-list").replaceChildren(
    ...parties.map((p) => {
      const option = element("option", { value: p.handle });
      if (p.name) option.label = p.name;
      return option;
    }),
  );
}

async function findParties() {
  const text = $("party").value.trim();
  if (!text || !navigator.onLine) return;
  try {
    const answer = await fetch(`/scan/api/enforcement/parties?q=${encodeURIComponent(text)}`, { cache: "no-store" });
    if (answer.ok) showParties((await answer.json()).parties);
  } catch {
    // offline: the handle is typed
  }
}

// ---- start ----

function wire() {
  $("template").addEventListener("change", changeTemplate);
  for (const id of ["party", "place", "summary"]) $(id).addEventListener("change", saveCurrent);
  $("party").addEventListener("input", findParties);
  $("save").addEventListener("click", saveDraftNow);
  $("inspection").addEventListener("submit", queueCurrent);
  $("new-draft").addEventListener("click", startNew);
  $("sync-now").addEventListener("click", requestSync);
  $("make-key").addEventListener("click", makeKey);
  $("signout").addEventListener("click", signOut);
  $("language").addEventListener("click", switchLanguage);
  for (const tab of document.querySelectorAll("[data-show]")) {
    tab.addEventListener("click", () => {
      showing = tab.dataset.show;
      for (const other of document.querySelectorAll("[data-show]")) other.setAttribute("aria-pressed", String(other === tab));
      render();
    });
  }
  addEventListener("online", () => {
    paintNetwork();
    requestSync();
  });
  addEventListener("offline", paintNetwork);
}

async function start() {
  try {
    await loadCatalogue();
  } catch {
    // the words stay as the server rendered them
  }
  paintLanguage();
  wire();
  registerWorker();
  if (!(await whoAmI())) return;
  await loadTemplates();
  paintNetwork();
  startNew();
  await render();
  document.body.dataset.ready = "true";
  await requestSync();
}

start();
