// The queue as the member reads it: what each scan was, when it happened, and what the server made
// of it — recorded, or refused with the reason in words.

import { N_, language, t } from "./i18n.js";

export const ACTIONS = {
  receive: N_("Receive"),
  ship: N_("Ship"),
  split: N_("Split"),
  sell: N_("Sell"),
  destroy: N_("Destroy"),
};

// The API's reasons for refusing a scan (its problem's `reason`: counterfeit signals and others), in words.
const REASONS = {
  sold_twice: N_("Sold before (suspected counterfeit)"),
  code_never_issued: N_("Code never issued (suspected counterfeit)"),
  off_custody_path: N_("Not in your organisation's custody"),
  destroyed_item: N_("The item was destroyed"),
  code_batch_mismatch: N_("The code belongs to another lot"),
  scan_id_reused: N_("The same scan ID was used for another scan"),
  not_holder: N_("Not in your organisation's custody"),
  in_transit: N_("The lot is on its way to you: receive it first"),
  under_recall: N_("The lot is under recall: it may not move on or be sold"),
  not_shipped_to_you: N_("The lot was not shipped to your organisation"),
  already_received: N_("The lot was received already"),
  unknown_lot: N_("No such lot"),
  unknown_partner: N_("No such partner"),
  not_a_receiver: N_("Ship to another business, not your own or a regulator"),
  partner_suspended: N_("The partner is suspended: it may not receive goods"),
  other_network: N_("A code of another traceability network"),
  child_lot_exists: N_("The new lot exists already"),
  item_sold_or_destroyed: N_("An item was sold or destroyed: it cannot go into a new lot"),
};

// The batch names a field by the scan's place in it ("scans[3].code"): the member knows the scan.
function withoutBatchPlace(text) {
  return text.replace(/(^|; )scans\[\d+\]\./g, "$1");
}

// Why a refused scan was refused, in words (and the server's own detail, for the record).
export function refusal(result) {
  if (!result) return { words: t("Refused"), detail: "" };
  if (result.reason && REASONS[result.reason]) return { words: t(REASONS[result.reason]), detail: withoutBatchPlace(result.detail || "") };
  if (result.errors?.length) {
    const fields = result.errors.map((e) => withoutBatchPlace(e.field ? `${e.field}: ${e.reason}` : e.reason));
    return { words: t("Not a valid scan"), detail: fields.join("; ") };
  }
  return { words: t("Refused"), detail: result.detail || result.title || "" };
}

// What was scanned: "Lot L2026-001 · serial 7Q2…", or a lot, or a split's new lot.
export function describe(scan) {
  const what = scan.what || {};
  if (scan.action === "split") return t("New lot %(lot)s: %(n)s items", { lot: what.lot, n: what.items });
  if (what.serial) return t("Lot %(lot)s · serial %(serial)s", { lot: what.lot, serial: what.serial });
  return t("Lot %(lot)s (whole lot)", { lot: what.lot || scan.batch_id || "" });
}

function when(millis) {
  const locale = language() === "zh" ? "zh-CN" : "en-GB";
  return new Date(millis).toLocaleString(locale, { hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function line(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

function stateLine(scan) {
  const scanned = t("Scanned %(time)s", { time: when(Date.parse(scan.time)) });
  if (scan.state === "pending") return `${scanned} · ${t("waiting to be sent")}`;
  if (scan.state === "refused") return `${scanned} · ${t("refused")}`;
  const duplicate = scan.result?.duplicate ? ` · ${t("sent before")}` : "";
  return `${scanned} · ${t("recorded")}${duplicate}`;
}

export function scanItem(scan) {
  const item = document.createElement("li");
  item.dataset.scanId = scan.scan_id;
  item.dataset.state = scan.state;
  const heading = `${t(ACTIONS[scan.action] || scan.action)} · ${describe(scan)}`;
  const partner = scan.action === "ship" && scan.counterparty ? ` → ${scan.counterparty}` : "";
  item.append(line("what", heading + partner), document.createElement("br"));
  item.append(line("state", stateLine(scan)));
  if (scan.state === "refused") {
    const { words, detail } = refusal(scan.result);
    item.append(document.createElement("br"), line("reason", words));
    if (detail) item.append(document.createElement("br"), line("detail", detail));
  }
  return item;
}
