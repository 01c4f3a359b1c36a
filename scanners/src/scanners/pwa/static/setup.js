// The choices made once for many scans: the action, the partner goods are shipped to, the vehicle,
// the place, and a split's new lot. They are kept in localStorage (none of them is secret), with the
// partners shipped to recently, offered again offline.

import { t } from "./i18n.js";

const SETUP_KEY = "suyuan-scan-setup";
const PARTNERS_KEY = "suyuan-scan-partners";
const RECENT_PARTNERS = 8;

const $ = (id) => document.getElementById(id);

export function setup() {
  return {
    action: document.querySelector("input[name=action]:checked")?.value || "receive",
    partner: $("partner").value.trim(),
    vehicle: $("vehicle").value.trim(),
    place: $("place").value.trim(),
    splitLot: $("split-lot").value.trim(),
    splitQuantity: Number($("split-quantity").value),
  };
}

export function saveSetup() {
  const { action, partner, vehicle, place } = setup();
  localStorage.setItem(SETUP_KEY, JSON.stringify({ action, partner, vehicle, place }));
  for (const field of document.querySelectorAll("[data-action]")) field.hidden = field.dataset.action !== action;
  $("split-draft").hidden = action !== "split";
  $("setup-problem").textContent = "";
}

export function restoreSetup() {
  const saved = JSON.parse(localStorage.getItem(SETUP_KEY) || "{}");
  const radio = document.querySelector(`input[name=action][value="${saved.action}"]`);
  if (radio) radio.checked = true;
  $("partner").value = saved.partner || "";
  $("vehicle").value = saved.vehicle || "";
  $("place").value = saved.place || "";
  saveSetup();
  showPartners(recentPartners());
}

// Why scanning cannot start yet (for `profile`, who is signed in), or null.
export function setupProblem(chosen, profile) {
  if (!profile) return t("Sign in first.");
  if (!chosen.place) return t("Say where you are scanning (the place).");
  if (chosen.action === "ship" && !chosen.partner) return t("Name the partner the goods go to.");
  if (chosen.action === "split" && (!chosen.splitLot || !(chosen.splitQuantity > 0)))
    return t("Give the new lot's number and quantity.");
  return null;
}

function recentPartners() {
  return JSON.parse(localStorage.getItem(PARTNERS_KEY) || "[]");
}

export function rememberPartner(handle) {
  const kept = recentPartners().filter((p) => p.handle !== handle);
  localStorage.setItem(PARTNERS_KEY, JSON.stringify([{ handle }, ...kept].slice(0, RECENT_PARTNERS)));
}

function showPartners(partners) {
  const list = $("partner-list");
  list.replaceChildren(
    ...partners.map((p) => {
      const option = document.createElement("option");
      option.value = p.handle;
      if (p.name) option.label = p.name;
      return option;
    }),
  );
}

export async function findPartners() {
  const text = $("partner").value.trim();
  if (!text || !navigator.onLine) return;
  try {
    const answer = await fetch(`/scan/api/partners?q=${encodeURIComponent(text)}`, { cache: "no-store" });
    if (answer.ok) showPartners((await answer.json()).partners);
  } catch {
    // offline: the recent partners stay offered
  }
}
