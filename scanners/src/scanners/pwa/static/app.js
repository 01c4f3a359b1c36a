// The phone scanner: choose the action and the place once, then scan many codes (camera or typed).
// Every scan goes to the phone's queue first (IndexedDB, a scan_id and the scan time each), then to
// the server whenever it can be reached: on load, after each scan, when the network comes back, and
// from the service worker (Background Sync) after the tab is closed.

import { Camera } from "./camera.js";
import { readCode } from "./codes.js";
import { N_, language, loadCatalogue, setLanguage, t, translatePage } from "./i18n.js";
import { paintLanguage, paintNetwork as paintNetworkSaying, say, shownNotice } from "./notice.js";
import { allScans, enqueue, forgetOldRecorded, forgetProfile, loadProfile, saveProfile } from "./queue.js";
import { ACTIONS, describe, scanItem } from "./queueview.js";
import { findPartners, rememberPartner, restoreSetup, saveSetup, setup, setupProblem } from "./setup.js";
import { syncQueue } from "./sync.js";

// The same code seen again this soon is the same scan (a label held in front of the camera).
const SAME_CODE_MS = 2000;
const SHOWN_IN_LIST = 100;

const $ = (id) => document.getElementById(id);
let profile = null;
let scannedNow = 0;
let showing = "pending";
let splitItems = [];
let camera = null;
let audio = null;
const lastSeen = new Map();

// ---- who is signed in ----

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
    profile = (await answer.json()).org;
    await saveProfile(profile);
  } else {
    profile = await loadProfile();
    if (!profile) {
      say(N_("You are offline and no one is signed in on this phone: sign in when the network is back."));
      $("signin-again").hidden = false;
    }
  }
  $("who").textContent = profile?.name || "";
  if (profile?.address && !$("place").value) $("place").value = profile.address;
  return true;
}

async function signOut() {
  let me = null;
  try {
    const answer = await fetch("/scan/api/me", { cache: "no-store" });
    me = answer.ok ? await answer.json() : null;
  } catch {
    say(N_("Signing out needs the network."));
    return;
  }
  if (me) await fetch("/scan/signout", { method: "POST", headers: { "X-CSRF-Token": me.csrf } });
  camera?.stop();
  await forgetProfile();
  location.assign("/scan/signin");
}

// ---- scanning ----

function feedback(good) {
  navigator.vibrate?.(good ? 60 : [40, 60, 40]);
  if (!audio) return;
  const tone = audio.createOscillator();
  const volume = audio.createGain();
  tone.frequency.value = good ? 1320 : 330;
  volume.gain.value = 0.15;
  tone.connect(volume).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + (good ? 0.08 : 0.25));
}

function showLast(text, tone = "good") {
  $("last").textContent = text;
  $("last").dataset.tone = tone;
}

function refuse(message) {
  showLast(message, "bad");
  feedback(false);
}

function seenJustNow(text) {
  const now = performance.now();
  const before = lastSeen.get(text);
  lastSeen.set(text, now);
  return before !== undefined && now - before < SAME_CODE_MS;
}

// RFC 3339 in the phone's own offset, to the millisecond: when the scan happened.
function scanTime(date) {
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  const offset = -date.getTimezoneOffset();
  const zone = `${offset >= 0 ? "+" : "-"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}${zone}`
  );
}

function onCode(text) {
  if (!seenJustNow(text)) accept(text);
}

async function accept(text) {
  const chosen = setup();
  const problem = setupProblem(chosen, profile);
  if (problem) {
    $("setup-problem").textContent = problem;
    return refuse(problem);
  }
  const read = readCode(text);
  if (!read) return refuse(t("Not a traceability code: %(text)s", { text: text.slice(0, 80) }));
  if (chosen.action === "sell" && read.kind !== "item") return refuse(t("A sale is of one item: scan the item's own code."));
  if (chosen.action === "split") return addToSplit(read);
  const scan = {
    scan_id: crypto.randomUUID(),
    time: scanTime(new Date()),
    org: profile.handle,
    action: chosen.action,
    location: chosen.place,
    what: { lot: read.lot, serial: read.serial || null },
  };
  if (read.kind === "item") scan.code = read.code;
  else scan.batch_id = read.batch_id;
  if (chosen.action === "ship") {
    scan.counterparty = chosen.partner;
    if (chosen.vehicle) scan.vehicle = chosen.vehicle;
    rememberPartner(chosen.partner);
  }
  await queueScan(scan);
}

async function queueScan(scan) {
  await enqueue(scan);
  scannedNow += 1;
  $("count").value = String(scannedNow);
  showLast(`${t(ACTIONS[scan.action])} · ${describe(scan)} · ${t("queued")}`);
  feedback(true);
  await render();
  askBackgroundSync();
  requestSync();
}

function addToSplit(read) {
  if (read.kind !== "item") return refuse(t("Scan the items that go into the new lot."));
  if (!splitItems.some((item) => item.code === read.code)) splitItems.push(read);
  $("split-count").value = String(splitItems.length);
  showLast(t("Lot %(lot)s · serial %(serial)s", { lot: read.lot, serial: read.serial }));
  feedback(true);
}

async function recordSplit() {
  const chosen = setup();
  const problem = setupProblem(chosen, profile);
  if (problem) return refuse(problem);
  if (!splitItems.length) return refuse(t("Scan the items that go into the new lot."));
  const codes = splitItems.map((item) => item.code);
  await queueScan({
    scan_id: crypto.randomUUID(),
    time: scanTime(new Date()),
    org: profile.handle,
    action: "split",
    location: chosen.place,
    code: codes[0],
    children: [{ lot: chosen.splitLot, quantity: chosen.splitQuantity, codes }],
    what: { lot: chosen.splitLot, items: codes.length },
  });
  clearSplit();
}

function clearSplit() {
  splitItems = [];
  $("split-count").value = "0";
}

async function toggleCamera() {
  audio ??= new AudioContext();
  if (camera?.running) {
    camera.stop();
    $("viewfinder").hidden = true;
    $("camera").dataset.i18n = N_("Start camera");
  } else {
    camera ??= new Camera($("video"), onCode);
    $("viewfinder").hidden = false;
    try {
      await camera.start();
      $("camera").dataset.i18n = N_("Stop camera");
    } catch (error) {
      $("viewfinder").hidden = true;
      refuse(t("The camera could not be started: %(error)s", { error: error.message || error.name }));
    }
  }
  $("camera").textContent = t($("camera").dataset.i18n);
}

// ---- the queue and the network ----

// What the member is told when a sync could not send everything.
const OUTCOMES = {
  offline: N_("Offline: scans are kept on this phone and sent when the network is back."),
  "signed-out": N_("Your session has ended: sign in again to send the waiting scans."),
  unavailable: N_("The server did not answer: the waiting scans will be sent later."),
};

function paintNetwork() {
  paintNetworkSaying(OUTCOMES.offline);
}

async function render() {
  if (!profile) return;
  const scans = await allScans(profile.handle);
  for (const state of ["pending", "recorded", "refused"]) {
    $(`n-${state}`).textContent = String(scans.filter((s) => s.state === state).length);
  }
  const shown = scans.filter((s) => s.state === showing).slice(0, SHOWN_IN_LIST);
  $("queue-list").replaceChildren(...shown.map(scanItem));
  $("queue-empty").hidden = shown.length > 0;
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
      const result = await syncQueue();
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
  });
  return syncing;
}

async function askBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.getRegistration("/scan/");
    await registration?.sync?.register("suyuan-scans");
  } catch {
    // no Background Sync here: the queue is sent on the next open instead
  }
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "queue-changed") render();
  });
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
  await render();
}

// ---- start ----

function wire() {
  for (const radio of document.querySelectorAll("input[name=action]")) radio.addEventListener("change", saveSetup);
  for (const id of ["partner", "vehicle", "place"]) $(id).addEventListener("change", saveSetup);
  $("partner").addEventListener("input", findPartners);
  $("camera").addEventListener("click", toggleCamera);
  $("manual").addEventListener("submit", async (event) => {
    event.preventDefault();
    audio ??= new AudioContext();
    const text = $("manual-code").value.trim();
    if (!text) return;
    $("manual-code").value = "";
    await accept(text);
  });
  $("split-done").addEventListener("click", recordSplit);
  $("split-clear").addEventListener("click", clearSplit);
  $("sync-now").addEventListener("click", requestSync);
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
  restoreSetup();
  registerWorker();
  if (!(await whoAmI())) return;
  paintNetwork();
  if (profile) await forgetOldRecorded(profile.handle);
  await render();
  document.body.dataset.ready = "true";
  await requestSync();
}

start();
