// The options page: mode, language, practice key (import/export), patient directory (CSV) and practice rules
// (TOML). Keys an administrator set by policy are shown but cannot be changed here.

import { localise, translator } from "../lib/i18n.js";

const $ = (id) => document.getElementById(id);
const form = $("form");
let t = (key) => key;
let settings = null;
let pendingKey = null;

function fill() {
  const { values, managed } = settings;
  for (const radio of form.elements.mode) radio.checked = radio.value === values.mode;
  form.elements.language.value = values.language || "";
  form.elements.directoryCsv.value = values.directoryCsv || "";
  form.elements.policyToml.value = values.policyToml || "";
  for (const key of ["mode", "language", "practiceKey", "directoryCsv", "policyToml"]) {
    const field = $(`${key}-field`);
    const locked = managed.includes(key);
    field.querySelector(".managed").hidden = !locked;
    for (const control of field.querySelectorAll("input, select, textarea, button")) control.disabled = locked;
  }
}

function changes() {
  const out = {
    mode: form.elements.mode.value || "review",
    language: form.elements.language.value,
    directoryCsv: form.elements.directoryCsv.value,
    policyToml: form.elements.policyToml.value,
  };
  if (pendingKey) out.practiceKey = pendingKey;
  for (const key of settings.managed) delete out[key];
  return out;
}

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

/** The key in the one format every medseal reads (medseal-key-v1 with its check value), made by the core. */
async function exportKey() {
  const answer = await browser.runtime.sendMessage({ type: "key.export" }).catch(() => null);
  if (!answer || answer.error || !answer.text) return showError(t("error.invalid_key", { detail: answer?.error || "" }));
  const blob = new Blob([`${answer.text}\n`], { type: "text/plain" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = "medseal-practice-key.txt";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

/** A key file from `medseal key export` (or this page): checked and decoded by the core, saved with the form. */
async function importKey(file) {
  const answer = await browser.runtime.sendMessage({ type: "key.import", text: await file.text() }).catch(() => null);
  if (!answer || answer.error || !answer.key) {
    pendingKey = null;
    $("key-status").textContent = "";
    return showError(answer?.error || t("error.invalid_key", { detail: file.name }));
  }
  showError("");
  pendingKey = answer.key;
  $("key-status").textContent = file.name;
}

/** The core's strength check of every access code in the directory: weak ones by CSV line. True if none. */
async function checkCodes() {
  const csv = form.elements.directoryCsv.value;
  const report = await browser.runtime.sendMessage({ type: "codes.check", directoryCsv: csv }).catch(() => null);
  const list = $("codes");
  if (!report || report.error) {
    list.replaceChildren();
    $("codes-status").textContent = report?.error || "";
    return !report; // the core unavailable: not judged here (sending stays blocked until it is back)
  }
  list.replaceChildren(
    ...report.weak.map((weak) => {
      const item = document.createElement("li");
      item.className = "weak";
      item.textContent = weak.text;
      return item;
    }),
  );
  $("codes-status").textContent = report.weak.length ? "" : t("ui.codes_ok", { count: report.checked });
  return report.weak.length === 0;
}

async function save(event) {
  event.preventDefault();
  $("saved").hidden = true;
  $("error").hidden = true;
  const wanted = changes();
  const { error } = await browser.runtime.sendMessage({ type: "settings.check", changes: wanted });
  if (!error && "directoryCsv" in wanted && !(await checkCodes())) {
    $("error").textContent = $("codes").firstChild?.textContent || "";
    $("error").hidden = false;
    return; // weak access codes are refused: the list above says which lines
  }
  if (error) {
    $("error").textContent = error;
    $("error").hidden = false;
    return;
  }
  try {
    await browser.runtime.sendMessage({ type: "settings.set", changes: wanted });
  } catch {
    $("error").textContent = t("error.invalid_key");
    $("error").hidden = false;
    return;
  }
  pendingKey = null;
  $("key-status").textContent = "";
  await load();
  $("saved").hidden = false;
}

async function load() {
  settings = await browser.runtime.sendMessage({ type: "settings.get" });
  t = await translator(settings.values.language || browser.i18n.getUILanguage());
  localise(document, t);
  fill();
}

async function main() {
  await load();
  $("key-export").addEventListener("click", exportKey);
  $("codes-check").addEventListener("click", checkCodes);
  $("key-import").addEventListener("click", () => $("key-file").click());
  $("key-file").addEventListener("change", () => $("key-file").files[0] && importKey($("key-file").files[0]));
  $("directory-file").addEventListener("change", async () => {
    const file = $("directory-file").files[0];
    if (file) form.elements.directoryCsv.value = await file.text();
  });
  form.addEventListener("submit", save);
}

main();
