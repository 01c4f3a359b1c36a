// The app's words: Chinese first, English on request. Messages are written in English and shown through t();
// the Chinese comes from the server's catalogue (/scan/i18n/zh.json), kept by the service worker so
// that the app speaks Chinese offline too. The choice is the suyuan_lang cookie of /scan, which the
// server's sign-in page reads as well.

const COOKIE = "suyuan_lang";
let catalogue = {};

export function language() {
  return new RegExp(`(?:^|;\\s*)${COOKIE}=en(?:;|$)`).test(document.cookie) ? "en" : "zh";
}

export async function loadCatalogue() {
  if (language() === "en") {
    catalogue = {};
    return;
  }
  const answer = await fetch("/scan/i18n/zh.json");
  catalogue = answer.ok ? await answer.json() : {};
}

// Marks a message for the catalogue where it is defined; it is translated where shown.
export function N_(message) {
  return message;
}

// `message` in the chosen language, with %(name)s values filled in.
export function t(message, values) {
  const text = (language() === "zh" && catalogue[message]) || message;
  if (!values) return text;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

export async function setLanguage(chosen) {
  document.cookie = `${COOKIE}=${chosen}; path=/scan; max-age=31536000; samesite=strict`;
  await loadCatalogue();
}

// Every element naming its message in data-i18n shows it in the chosen language.
export function translatePage(root = document) {
  document.documentElement.lang = language() === "zh" ? "zh-CN" : "en";
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
}
