// Sending the queue: the signed-in organisation's pending scans go to /scan/api/sync in batches,
// which the server passes to POST /v1/scans:batch. Each scan leaves "pending" only with the server's
// result for it (recorded or refused); anything else (no network, a cut connection, a 5xx, a session
// that ended) leaves it pending, to be sent again with the same scan_id: the server records it once.
// The page and the service worker (Background Sync) both run this; a Web Lock keeps them from
// sending at the same time.

import { pendingScans, settle } from "./queue.js";

// Scans per request (the server takes up to 2,000; smaller batches show progress sooner).
export const BATCH_SIZE = 200;
// What the server is sent of a queued scan (the rest is the phone's own bookkeeping).
const WIRE_FIELDS = ["scan_id", "time", "action", "code", "batch_id", "counterparty", "location", "vehicle", "children"];

function wire(scan) {
  const sent = {};
  for (const field of WIRE_FIELDS) if (scan[field] !== undefined && scan[field] !== null) sent[field] = scan[field];
  return sent;
}

async function whoIsSignedIn() {
  let answer;
  try {
    answer = await fetch("/scan/api/me", { cache: "no-store", credentials: "same-origin" });
  } catch {
    return { outcome: "offline" };
  }
  if (answer.status === 401) return { outcome: "signed-out" };
  if (!answer.ok) return { outcome: "unavailable" };
  return { outcome: "ok", ...(await answer.json()) };
}

async function sendBatch(scans, csrf) {
  let answer;
  try {
    answer = await fetch("/scan/api/sync", {
      method: "POST",
      cache: "no-store",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ scans: scans.map(wire) }),
    });
  } catch {
    return { outcome: "offline" };
  }
  if (answer.status === 401) return { outcome: "signed-out" };
  if (answer.status !== 200) return { outcome: "unavailable" };
  const body = await answer.json();
  return { outcome: "ok", results: Array.isArray(body.results) ? body.results : [] };
}

async function sendAll(progress) {
  const me = await whoIsSignedIn();
  if (me.outcome !== "ok") return { outcome: me.outcome, sent: 0 };
  let sent = 0;
  for (;;) {
    const waiting = await pendingScans(me.org.handle);
    if (!waiting.length) return { outcome: "ok", sent, org: me.org };
    const batch = waiting.slice(0, BATCH_SIZE);
    const answer = await sendBatch(batch, me.csrf);
    if (answer.outcome !== "ok") return { outcome: answer.outcome, sent };
    await settle(answer.results);
    const settled = answer.results.filter((r) => r.status === "recorded" || r.status === "refused").length;
    if (!settled) return { outcome: "unavailable", sent };
    sent += settled;
    progress?.(sent, waiting.length - settled);
  }
}

// Sends every pending scan of the signed-in organisation. Resolves to
// {outcome: "ok" | "offline" | "signed-out" | "unavailable", sent}.
export async function syncQueue(progress) {
  if (globalThis.navigator?.locks) {
    return navigator.locks.request("suyuan-scan-sync", () => sendAll(progress));
  }
  return sendAll(progress);
}
