// The phone's scan queue, in IndexedDB: every scan is kept here first, with the scan_id (a UUID made
// when it happened: the server's idempotency key) and its scan time. A scan stays "pending" until the
// server's result for it arrives; then it is "recorded" or "refused" (with the server's problem) and
// stays to be shown. The same module serves the page and the service worker.
//
// Each scan belongs to the organisation signed in when it was made (`org`, a handle): only that
// organisation's session sends it. The store also keeps who was signed in last (handle and name, for
// working offline) — never the API key, which only the server holds.

const DATABASE = "suyuan-scanner";
const VERSION = 1;
// Recorded scans older than this are dropped from the phone (they are in the ledger).
const KEEP_RECORDED_MS = 30 * 24 * 3600 * 1000;

let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

export function openQueue() {
  if (!opening) {
    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      const scans = db.createObjectStore("scans", { keyPath: "scan_id" });
      scans.createIndex("org_state", ["org", "state"]);
      scans.createIndex("org", "org");
      db.createObjectStore("profile", { keyPath: "id" });
    };
    opening = promised(request);
  }
  return opening;
}

async function store(name, mode) {
  const db = await openQueue();
  const transaction = db.transaction(name, mode);
  return { transaction, store: transaction.objectStore(name) };
}

export async function enqueue(scan) {
  const { transaction, store: scans } = await store("scans", "readwrite");
  scans.add({ ...scan, state: "pending", queued_at: Date.now() });
  await done(transaction);
}

function byQueueOrder(a, b) {
  return a.queued_at - b.queued_at;
}

// The organisation's scans still waiting for the server, oldest first.
export async function pendingScans(org) {
  const { store: scans } = await store("scans", "readonly");
  const found = await promised(scans.index("org_state").getAll([org, "pending"]));
  return found.sort(byQueueOrder);
}

// Every scan of the organisation, newest first.
export async function allScans(org) {
  const { store: scans } = await store("scans", "readonly");
  const found = await promised(scans.index("org").getAll(org));
  return found.sort(byQueueOrder).reverse();
}

// The server's results (one per scan_id): each scan named leaves "pending" for good.
export async function settle(results) {
  const { transaction, store: scans } = await store("scans", "readwrite");
  const now = Date.now();
  for (const result of results) {
    if (result.status !== "recorded" && result.status !== "refused") continue;
    const scan = await promised(scans.get(result.scan_id));
    if (!scan || scan.state !== "pending") continue;
    scans.put({ ...scan, state: result.status, settled_at: now, result: summary(result) });
  }
  await done(transaction);
}

function summary(result) {
  const problem = result.problem || {};
  return {
    duplicate: Boolean(result.duplicate),
    received_at: result.received_at || null,
    record_id: result.record_id || null,
    reason: problem.reason || null,
    type: problem.type || null,
    title: problem.title || null,
    detail: problem.detail || null,
    errors: Array.isArray(problem.errors) ? problem.errors : [],
  };
}

export async function forgetOldRecorded(org) {
  const { transaction, store: scans } = await store("scans", "readwrite");
  const old = Date.now() - KEEP_RECORDED_MS;
  const recorded = await promised(scans.index("org_state").getAll([org, "recorded"]));
  for (const scan of recorded) if ((scan.settled_at || 0) < old) scans.delete(scan.scan_id);
  await done(transaction);
}

export async function saveProfile(org) {
  const { transaction, store: profile } = await store("profile", "readwrite");
  profile.put({ id: "me", handle: org.handle, name: org.name, org_type: org.org_type, address: org.address });
  await done(transaction);
}

export async function loadProfile() {
  const { store: profile } = await store("profile", "readonly");
  return (await promised(profile.get("me"))) || null;
}

export async function forgetProfile() {
  const { transaction, store: profile } = await store("profile", "readwrite");
  profile.delete("me");
  await done(transaction);
}
