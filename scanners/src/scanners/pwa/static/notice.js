// What the scanner's and the inspector's pages share at their top: the one-line notice, the
// language switch's label and the network state. Each page has its own words for being offline.
import { N_, language, t, translatePage } from "./i18n.js";

const $ = (id) => document.getElementById(id);
let notice = null;

// The notice shown, { message, values }, or null.
export function shownNotice() {
  return notice;
}

export function say(message, values) {
  notice = message ? { message, values } : null;
  $("notice").textContent = notice ? t(notice.message, notice.values) : "";
}

// The page's words in the current language, the switch offering the other one.
export function paintLanguage() {
  translatePage();
  const other = language() === "zh" ? "en" : "zh";
  $("language").textContent = other === "en" ? "English" : "中文";
  $("language").lang = other === "en" ? "en" : "zh-CN";
  if (notice) say(notice.message, notice.values);
}

// Online or offline; offline, the notice says `offlineMessage` until the network is back.
export function paintNetwork(offlineMessage) {
  const online = navigator.onLine;
  $("network").dataset.state = online ? "online" : "offline";
  $("network").dataset.i18n = online ? N_("Online") : N_("Offline");
  $("network").textContent = t($("network").dataset.i18n);
  if (!online) say(offlineMessage);
  else if (notice?.message === offlineMessage) say(null);
}
