// Sending the inspector's queue: the queued inspections go one at a time, in the order they were
// queued, to /scan/api/enforcement/inspections, which passes them to POST /v1/enforcement/inspections.
// Each carries the client_id made when it was queued, so a resend after a lost answer is answered 200
// with the inspection recorded the first time: never a second inspection. An inspection leaves the
// queue only with the server's answer for it (recorded, or refused with a 4xx problem); anything else
// (no network, a cut connection, a 5xx, a session that ended) stops the round and leaves it queued.
// Then the phone's signing key, if not yet registered, and the signatures made on the phone, the same
// way. A Web Lock keeps two tabs from sending at once.

import { allSignatures, queuedInspections, settle, settleSignature } from "./inspections.js";
import { registerKey } from "./signing.js";

async function whoIsSignedIn() {
  let answer;
  try {
    answer = await fetch("/scan/api/me", { cache: "no-store", credentials: "same-origin" });
  } catch {
    return { outcome: "offline" };
  }
  if (answer.status === 401) return { outcome: "signed-out" };
  if (!answer.ok) return { outcome: "unavailable" };
  const me = await answer.json();
  if (!me.inspector) return { outcome: "signed-out" };
  return { outcome: "ok", ...me };
}

// The form the API takes: the inspection's JSON and each photo once (findings name them by SHA-256).
function form(inspection) {
  const body = {
    client_id: inspection.client_id,
    template: inspection.template,
    party: inspection.party,
    place: inspection.place || "",
    inspected_at: inspection.inspected_at,
    summary: inspection.summary || "",
    findings: inspection.findings.map((f) => ({
      item: f.item,
      result: f.result,
      note: f.note || "",
      evidence: [...new Set(f.photos.map((p) => p.sha256))],
    })),
  };
  const data = new FormData();
  data.append("inspection", JSON.stringify(body));
  const sent = new Set();
  for (const photo of inspection.findings.flatMap((f) => f.photos)) {
    if (sent.has(photo.sha256)) continue;
    sent.add(photo.sha256);
    data.append("evidence", photo.blob, photo.name || `${photo.sha256.slice(0, 12)}.jpg`);
  }
  return data;
}

async function sendOne(inspection, csrf) {
  let answer;
  try {
    answer = await fetch("/scan/api/enforcement/inspections", {
      method: "POST",
      cache: "no-store",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf },
      body: form(inspection),
    });
  } catch {
    return "offline";
  }
  if (answer.status === 401) return "signed-out";
  if (answer.status >= 500 || answer.status === 429) return "unavailable";
  let body = {};
  try {
    body = await answer.json();
  } catch {
    return "unavailable";
  }
  if (answer.status === 200 || answer.status === 201) {
    await settle(inspection.id, "recorded", { number: body.id, duplicate: answer.status === 200, failed_items: body.failed_items });
  } else {
    const errors = Array.isArray(body.errors) ? body.errors : [];
    await settle(inspection.id, "refused", { status: answer.status, title: body.title || null, detail: body.detail || null, errors });
  }
  return "ok";
}

async function sendAll(progress) {
  const me = await whoIsSignedIn();
  if (me.outcome !== "ok") return { outcome: me.outcome, sent: 0 };
  let sent = 0;
  for (const inspection of await queuedInspections(me.inspector.badge_no)) {
    const outcome = await sendOne(inspection, me.csrf);
    if (outcome !== "ok") return { outcome, sent };
    sent += 1;
    progress?.(sent);
  }
  const registered = await registerKey(me.inspector.badge_no, me.csrf);
  if (registered !== "ok") return { outcome: registered, sent };
  for (const signature of await allSignatures(me.inspector.badge_no)) {
    if (signature.state !== "queued") continue;
    const outcome = await sendSignature(signature, me.csrf);
    if (outcome !== "ok") return { outcome, sent };
    progress?.(sent);
  }
  return { outcome: "ok", sent };
}

async function sendSignature(signature, csrf) {
  let answer;
  try {
    answer = await fetch(`/scan/api/enforcement/documents/${encodeURIComponent(signature.document_id)}/signature`, {
      method: "POST",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ signature: signature.signature, pdf_sha256: signature.pdf_sha256 }),
    });
  } catch {
    return "offline";
  }
  if (answer.status === 401) return "signed-out";
  if (answer.status >= 500 || answer.status === 429) return "unavailable";
  const body = await answer.json().catch(() => ({}));
  if (answer.ok) await settleSignature(signature.document_id, "sent", { status: body.status || null });
  else await settleSignature(signature.document_id, "refused", { detail: body.detail || body.title || null });
  return "ok";
}

// Sends every queued inspection of the signed-in inspector. Resolves to
// {outcome: "ok" | "offline" | "signed-out" | "unavailable", sent}.
export function sendInspections(progress) {
  if (globalThis.navigator?.locks) return navigator.locks.request("suyuan-inspection-sync", () => sendAll(progress));
  return sendAll(progress);
}
