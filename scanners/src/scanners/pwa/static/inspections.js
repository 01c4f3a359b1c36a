// The inspector's queue, in IndexedDB (its own database, beside the scanner's): every inspection is
// kept here with its photos (Blobs, each with its SHA-256) from the first "save". A "draft" may still
// change; queuing it fixes its client_id (a UUID: the server's idempotency key) and its place in the
// queue, and it stays "queued" until the server's answer arrives: then it is "recorded" (with the
// inspection's number) or "refused" (with the server's problem), and stays to be shown. The templates
// are kept here too, for inspecting offline. Inspections belong to the inspector who made them
// (`badge`): only that inspector's session sends them. The inspector's signing key (a
// non-extractable Ed25519 CryptoKey) and the signatures waiting to be sent are kept here as well.

const DATABASE = "suyuan-inspections";
const VERSION = 1;

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

function openDatabase() {
  if (!opening) {
    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      const inspections = db.createObjectStore("inspections", { keyPath: "id" });
      inspections.createIndex("badge", "badge");
      db.createObjectStore("kept", { keyPath: "id" });
      const signatures = db.createObjectStore("signatures", { keyPath: "document_id" });
      signatures.createIndex("badge", "badge");
    };
    opening = promised(request);
  }
  return opening;
}

async function store(name, mode) {
  const db = await openDatabase();
  const transaction = db.transaction(name, mode);
  return { transaction, store: transaction.objectStore(name) };
}

// Saves a draft (a new one when it has no id yet); resolves to its id. A queued inspection no
// longer changes: saving it again is refused.
export async function saveDraft(draft) {
  const { transaction, store: inspections } = await store("inspections", "readwrite");
  const id = draft.id || crypto.randomUUID();
  const before = await promised(inspections.get(id));
  if (before && before.state !== "draft") throw new Error("queued already");
  inspections.put({ ...draft, id, state: "draft", saved_at: Date.now(), created_at: before?.created_at || draft.created_at || Date.now() });
  await done(transaction);
  return id;
}

// Queues the draft `id` for sending: its client_id is made now, once.
export async function queueDraft(id) {
  const { transaction, store: inspections } = await store("inspections", "readwrite");
  const draft = await promised(inspections.get(id));
  if (draft?.state === "draft") inspections.put({ ...draft, state: "queued", client_id: crypto.randomUUID(), queued_at: Date.now() });
  await done(transaction);
}

export async function deleteDraft(id) {
  const { transaction, store: inspections } = await store("inspections", "readwrite");
  const draft = await promised(inspections.get(id));
  if (draft?.state === "draft") inspections.delete(id);
  await done(transaction);
}

export async function getInspection(id) {
  const { store: inspections } = await store("inspections", "readonly");
  return (await promised(inspections.get(id))) || null;
}

// Every inspection of the inspector, newest first.
export async function allInspections(badge) {
  const { store: inspections } = await store("inspections", "readonly");
  const found = await promised(inspections.index("badge").getAll(badge));
  return found.sort((a, b) => (b.queued_at || b.saved_at) - (a.queued_at || a.saved_at));
}

// The inspector's queued inspections, in the order they were queued.
export async function queuedInspections(badge) {
  const found = await allInspections(badge);
  return found.filter((i) => i.state === "queued").sort((a, b) => a.queued_at - b.queued_at);
}

// The server's answer for the queued inspection `id`: recorded or refused, for good.
export async function settle(id, state, result) {
  const { transaction, store: inspections } = await store("inspections", "readwrite");
  const found = await promised(inspections.get(id));
  if (found?.state === "queued") inspections.put({ ...found, state, result, settled_at: Date.now() });
  await done(transaction);
}

export async function keep(id, value) {
  const { transaction, store: kept } = await store("kept", "readwrite");
  kept.put({ id, value });
  await done(transaction);
}

export async function kept(id) {
  const { store: found } = await store("kept", "readonly");
  return (await promised(found.get(id)))?.value ?? null;
}

// The SHA-256 of a photo's bytes, in lower-case hex (the name the inspection's findings give it).
export async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A signature over a document's PDF, queued to be sent (once: the server answers a resend 200).
export async function queueSignature(signature) {
  const { transaction, store: signatures } = await store("signatures", "readwrite");
  const before = await promised(signatures.get(signature.document_id));
  if (!before) signatures.put({ ...signature, state: "queued", queued_at: Date.now() });
  await done(transaction);
}

export async function allSignatures(badge) {
  const { store: signatures } = await store("signatures", "readonly");
  const found = await promised(signatures.index("badge").getAll(badge));
  return found.sort((a, b) => a.queued_at - b.queued_at);
}

export async function settleSignature(documentId, state, result) {
  const { transaction, store: signatures } = await store("signatures", "readwrite");
  const found = await promised(signatures.get(documentId));
  if (found?.state === "queued") signatures.put({ ...found, state, result, settled_at: Date.now() });
  await done(transaction);
}
