// What a scanned or typed text names: one item (a GS1 Digital Link with GTIN, lot and serial, or the
// same as GS1 element strings, as a GS1 DataMatrix carries them), or a lot (GTIN and lot, no serial).
// The server checks the code again; this only keeps other barcodes (a payment QR, a web address)
// out of the queue and turns element strings into the Digital Link the API takes.

const GROUP_SEPARATOR = "\u001d";
// Application identifiers of fixed length (GS1 General Specifications, figure 5.10.1-2 and 7.8.5).
const FIXED = { "00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2 };
// Trade measures (net weight, length, …): AI 31nn to 36nn, six digits.
const MEASURE = /^3[1-6]\d{2}/;
// Those of variable length this reader keeps; the others end at a group separator.
const VARIABLE = new Set(["10", "21", "22", "30", "37", "240", "241", "250", "251", "400"]);

function isDigits(text) {
  return /^\d+$/.test(text);
}

// A GTIN-8, -12, -13 or -14 with a correct check digit, as 14 digits; else null.
export function normaliseGtin(value) {
  if (!isDigits(value) || ![8, 12, 13, 14].includes(value.length)) return null;
  const gtin = value.padStart(14, "0");
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(gtin[i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === Number(gtin[13]) ? gtin : null;
}

// "(01)…(10)…(21)…" (human-readable), or raw element strings with group separators, optionally
// after a symbology identifier (]d2 DataMatrix, ]Q3 QR, ]C1 Code 128, ]e0 DataBar).
export function parseElementStrings(text) {
  let rest = text.trim().replace(/^\][A-Za-z]\d/, "");
  const found = {};
  if (rest.startsWith("(")) {
    const pattern = /\((\d{2,4})\)([^(]*)/g;
    let match;
    let consumed = 0;
    while ((match = pattern.exec(rest)) !== null) {
      if (match.index !== consumed) return null;
      found[match[1]] = match[2];
      consumed = pattern.lastIndex;
    }
    return consumed === rest.length ? found : null;
  }
  if (!/^\d{2}/.test(rest)) return null;
  while (rest.length) {
    const ai = MEASURE.test(rest)
      ? rest.slice(0, 4)
      : [2, 3].map((n) => rest.slice(0, n)).find((a) => a in FIXED || VARIABLE.has(a));
    if (!ai) return null;
    rest = rest.slice(ai.length);
    const fixed = MEASURE.test(ai) ? 6 : FIXED[ai];
    if (fixed) {
      found[ai] = rest.slice(0, fixed);
      if (found[ai].length !== fixed) return null;
      rest = rest.slice(fixed).replace(new RegExp(`^${GROUP_SEPARATOR}`), "");
    } else {
      const end = rest.indexOf(GROUP_SEPARATOR);
      found[ai] = end < 0 ? rest : rest.slice(0, end);
      rest = end < 0 ? "" : rest.slice(end + 1);
    }
  }
  return found;
}

// The GS1 keys of a Digital Link URI, {"01": gtin, "10": lot, "21": serial, …}, and the origin
// (scheme and host) of the resolver it names; null if it is not one.
export function parseDigitalLink(text) {
  let url;
  let segments;
  try {
    url = new URL(text.trim());
    segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  if (!["http:", "https:"].includes(url.protocol)) return null;
  const start = segments.findIndex(
    (s, i) => s === "01" && isDigits(segments[i + 1] || "") && (segments.length - i) % 2 === 0,
  );
  if (start < 0) return null;
  const keys = {};
  for (let i = start; i < segments.length; i += 2) keys[segments[i]] = segments[i + 1];
  return { keys, origin: url.origin };
}

// What `text` names, or null: {kind: "item", code, gtin, lot, serial} or {kind: "lot", batch_id, gtin, lot}.
// An item's code is its Digital Link under the resolver the scanned link named (a code of another
// network stays one), or, from element strings, which name no resolver, the Digital Link's path.
export function readCode(text) {
  const link = parseDigitalLink(text);
  const keys = link ? link.keys : parseElementStrings(text);
  if (!keys || !keys["01"] || !keys["10"]) return null;
  const gtin = normaliseGtin(keys["01"]);
  if (!gtin) return null;
  const lot = keys["10"];
  if (keys["21"]) {
    const serial = keys["21"];
    const path = `/01/${gtin}/10/${encodeURIComponent(lot)}/21/${encodeURIComponent(serial)}`;
    return { kind: "item", code: (link ? link.origin : "") + path, gtin, lot, serial };
  }
  return { kind: "lot", batch_id: `${gtin}.${lot}`, gtin, lot };
}
