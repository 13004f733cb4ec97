/*
 * medseal task pane: shows what the core found (masked) and what it proposes, and applies it with Office.js.
 * Uses launchevent.js (loaded first) for the snapshot, the API calls and the offline strings.
 */
"use strict";

var medsealCatalogue = {};
var MEDSEAL_PANE_TIMEOUT_MS = 20000;
var MEDSEAL_PROTECT_TIMEOUT_MS = 60000;

function $(id) {
  return document.getElementById(id);
}

function tr(keys, values) {
  return medsealText(keys, values, medsealCatalogue);
}

function translatePage() {
  var nodes = document.querySelectorAll("[data-i18n]");
  for (var i = 0; i < nodes.length; i++) {
    var text = tr([nodes[i].getAttribute("data-i18n"), ""]);
    nodes[i].textContent = text;
    nodes[i].hidden = nodes[i].classList.contains("hint") && !text;
  }
}

function say(text) {
  $("status").textContent = text || "";
}

function fillList(list, entries) {
  list.textContent = "";
  entries.forEach(function (entry) {
    var li = document.createElement("li");
    if (typeof entry === "string") {
      li.textContent = entry;
    } else {
      var main = document.createElement("span");
      main.textContent = entry.text;
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = entry.tag;
      li.appendChild(main);
      li.appendChild(tag);
    }
    list.appendChild(li);
  });
  list.parentNode.hidden = entries.length === 0;
}

/* What happens to each recipient: dropped, or moved from To/Cc to Bcc. */
function recipientChanges(snapshot, changes) {
  var after = {};
  ["to", "cc", "bcc"].forEach(function (field) {
    (changes[field] === null || changes[field] === undefined ? snapshot[field] : changes[field]).forEach(function (a) {
      after[a.toLowerCase()] = field;
    });
  });
  var out = [];
  ["to", "cc", "bcc"].forEach(function (field) {
    snapshot[field].forEach(function (address) {
      var now = after[address.toLowerCase()];
      if (!now) {
        out.push({ text: address, tag: tr(["ui.remove"]) });
      } else if (now === "bcc" && field !== "bcc") {
        out.push({ text: address, tag: tr(["ui.move_to_bcc"]) });
      }
    });
  });
  return out;
}

function render(snapshot, changes) {
  var verdict = $("verdict");
  verdict.className = "banner " + changes.verdict;
  verdict.textContent = changes.action === "send"
    ? tr(["ui.nothing_found"])
    : tr(["verdict." + changes.verdict]) + " — " + (changes.error || tr(["ui.blocked"]));
  fillList($("findings"), (changes.findings || []).map(function (finding) {
    return { text: tr(["kind." + finding.kind], { masked: finding.masked }), tag: tr(["where." + finding.where]) };
  }));
  $("proposed-subject").textContent = changes.subject || "";
  $("subject-block").hidden = !changes.subject;
  fillList($("recipients"), recipientChanges(snapshot, changes));
  fillList($("reasons"), (changes.reasons || []).filter(function (reason) { return reason !== changes.error; }));
  $("apply").hidden = changes.action !== "apply";
  $("result").hidden = false;
  $("settings").hidden = true;
  say("");
  (changes.action === "apply" ? $("apply") : verdict).focus();
}

function fail(error) {
  say(medsealExplain(error));
  if (error && error.detail === "401") {
    showSettings();
  }
}

function check() {
  say(tr(["ui.checking"]));
  var item = Office.context.mailbox.item;
  return medsealReadSnapshot(item).then(function (snapshot) {
    return medsealPost("/api/v1/analyse", snapshot, MEDSEAL_PANE_TIMEOUT_MS).then(function (changes) {
      render(snapshot, changes);
    });
  }).catch(fail);
}

/* Apply a change set to the item, one Office.js call after the other. */
function applyChanges(item, changes) {
  var steps = [];
  if (changes.subject !== null) {
    steps.push(function (done) { item.subject.setAsync(changes.subject, done); });
  }
  if (changes.body) {
    var html = changes.body.html !== null && changes.body.html !== undefined;
    steps.push(function (done) {
      item.body.setAsync(html ? changes.body.html : changes.body.text || "",
        { coercionType: html ? Office.CoercionType.Html : Office.CoercionType.Text }, done);
    });
  }
  // the envelope first, the originals after: a failure midway leaves the originals in the window
  (changes.addAttachments || []).forEach(function (attachment) {
    steps.push(function (done) {
      item.addFileAttachmentFromBase64Async(attachment.dataBase64, attachment.name, { isInline: false }, done);
    });
  });
  (changes.removeAttachments || []).forEach(function (id) {
    steps.push(function (done) { item.removeAttachmentAsync(id, done); });
  });
  // custom internet headers (Mailbox 1.8): the ones the core drops go, the ones it adds (envelope hint) are set
  if (item.internetHeaders) {
    if ((changes.removeHeaders || []).length) {
      steps.push(function (done) { item.internetHeaders.removeAsync(changes.removeHeaders, done); });
    }
    if (changes.headers && Object.keys(changes.headers).length) {
      steps.push(function (done) { item.internetHeaders.setAsync(changes.headers, done); });
    }
  }
  ["to", "cc", "bcc"].forEach(function (field) {
    if (changes[field] !== null && changes[field] !== undefined) {
      steps.push(function (done) { item[field].setAsync(changes[field], done); });
    }
  });
  return steps.reduce(function (previous, step) {
    return previous.then(function () { return medsealCall(step); });
  }, Promise.resolve());
}

function showPassword(password) {
  if (!password || (!password.value && password.source !== "access_code")) {
    $("password-block").hidden = true;
    return;
  }
  var code = password.source === "access_code";
  $("password").value = code ? "" : password.value;
  $("password").hidden = code;
  $("copy").hidden = code;
  $("password-text").textContent = code
    ? tr(["password.access_code"])
    : tr(["ui.password_handover", "password.handover"], { password: "" }).replace(/[\s:]+$/, "");
  $("password-block").hidden = false;
}

function apply() {
  var item = Office.context.mailbox.item;
  $("apply").disabled = true;
  say(tr(["ui.checking"]));
  return medsealReadSnapshot(item).then(function (snapshot) {
    return medsealPost("/api/v1/protect", snapshot, MEDSEAL_PROTECT_TIMEOUT_MS).then(function (changes) {
      if (changes.action !== "apply") {
        render(snapshot, changes);
        return null;
      }
      return applyChanges(item, changes).then(function () {
        showPassword(changes.password);
        return check();
      }).then(function () {
        say(tr(["ui.applied"]));
        if (!$("password-block").hidden && !$("copy").hidden) {
          $("copy").focus();
        }
      });
    });
  }).catch(fail).then(function () {
    $("apply").disabled = false;
  });
}

function copyPassword() {
  var field = $("password");
  var copied = function () { say(tr(["ui.copied"])); };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(field.value).then(copied, function () {
      field.select();
      document.execCommand("copy");
      copied();
    });
  } else {
    field.select();
    document.execCommand("copy");
    copied();
  }
}

function showSettings() {
  $("settings").hidden = false;
  $("result").hidden = true;
  $("token").value = "";
  $("token").focus();
}

function saveSettings(event) {
  event.preventDefault();
  var token = $("token").value.trim();
  if (!token) {
    return;
  }
  var settings = Office.context.roamingSettings;
  settings.set(MEDSEAL_SETTINGS_KEY, { server: location.origin, token: token });
  settings.saveAsync(function () {
    $("token").value = "";
    say(tr(["ui.saved"]));
    start();
  });
}

function loadCatalogue() {
  var language = medsealLanguage();
  return medsealRequest("GET", "/api/v1/catalogue/" + language, undefined, MEDSEAL_PANE_TIMEOUT_MS).then(function (table) {
    medsealCatalogue = table;
    translatePage();
  });
}

function start() {
  if (!medsealSettings().token) {
    showSettings();
    return Promise.resolve();
  }
  say(tr(["ui.loading"]));
  return loadCatalogue().then(check).catch(fail);
}

function init() {
  document.documentElement.lang = medsealLanguage();
  translatePage();
  $("settings-form").addEventListener("submit", saveSettings);
  $("apply").addEventListener("click", apply);
  $("check").addEventListener("click", check);
  $("copy").addEventListener("click", copyPassword);
  $("open-settings").addEventListener("click", showSettings);
  start();
}

/* Office may be ready before the page is parsed: wait for both. */
Office.onReady(function () {
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
});
