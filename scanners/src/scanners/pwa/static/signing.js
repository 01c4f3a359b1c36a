// Signing on the phone: the inspector's Ed25519 key is made here by WebCrypto, its private half
// non-extractable (no script, this app's included, can read it out) and kept in IndexedDB as a
// CryptoKey; only the public half goes to the server (PUT /v1/enforcement/inspectors/me/signing-key).
// A recorded inspection's record (现场检查笔录) is drawn up by the server, its PDF fetched, and its
// exact bytes signed here; the signature waits in the queue until the server has it.

import { keep, kept, queueSignature, sha256 } from "./inspections.js";

const KEY = "signing-key";

function base64(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text);
}

// The phone's signing key ({privateKey, public_key, badge, registered}), or null.
export async function signingKey(badge) {
  const found = await kept(KEY);
  return found && found.badge === badge ? found : null;
}

// Makes a new key for the inspector `badge` (replacing any earlier one on this phone), to be
// registered on the next sync. Throws where the browser has no Ed25519.
export async function makeSigningKey(badge) {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const raw = await crypto.subtle.exportKey("raw", pair.publicKey);
  const made = { privateKey: pair.privateKey, public_key: base64(raw), badge, registered: false };
  await keep(KEY, made);
  return made;
}

// Registers the public key if it is not yet; resolves to "ok" or an outcome that stops the sync.
export async function registerKey(badge, csrf) {
  const key = await signingKey(badge);
  if (!key || key.registered) return "ok";
  let answer;
  try {
    answer = await fetch("/scan/api/enforcement/signing-key", {
      method: "PUT",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ public_key: key.public_key }),
    });
  } catch {
    return "offline";
  }
  if (answer.status === 401) return "signed-out";
  if (!answer.ok) return "unavailable";
  await keep(KEY, { ...key, registered: true });
  return "ok";
}

async function answered(answer) {
  if (!answer.ok) throw new Error(`${answer.status}`);
  return answer;
}

// Draws up the record of the recorded inspection `inspection`, fetches its PDF, signs its bytes
// and queues the signature. Needs the network (the server renders the PDF).
export async function signRecord(inspection, badge, csrf) {
  const key = await signingKey(badge);
  const issued = await answered(
    await fetch(`/scan/api/enforcement/inspections/${encodeURIComponent(inspection.result.number)}/record`, {
      method: "POST",
      cache: "no-store",
      headers: { "X-CSRF-Token": csrf },
    }),
  );
  const document = await issued.json();
  const pdf = await (await answered(await fetch(`/scan/api/enforcement/documents/${encodeURIComponent(document.id)}/pdf`, { cache: "no-store" }))).blob();
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, await pdf.arrayBuffer());
  await queueSignature({
    document_id: document.id,
    inspection: inspection.id,
    badge,
    pdf_sha256: await sha256(pdf),
    signature: base64(signature),
  });
  return document.id;
}
