/*
 * A stand-in for Office.js (Outlook compose mode) for the browser tests. Served by Playwright in place of
 * https://appsforoffice.microsoft.com/lib/1/hosted/office.js.
 *
 * The item lives in window.__medsealState (set by an init script before the page loads):
 *   { item: { subject, from, to, cc, bcc, bodyType, bodyText, bodyHtml, attachments: [{id, name, size, base64}] },
 *     roaming: {key: value}, session: {key: value}, displayLanguage }
 * Every call is appended to window.__officeCalls as {method, args}; set*Async calls change the state, so the
 * item after "Apply" can be checked again. Handlers mapped with Office.actions.associate are kept in
 * window.__officeHandlers. Callbacks run asynchronously, as in Office.
 */
(function () {
  "use strict";
  var state = window.__medsealState || {};
  var item = state.item || {};
  state.roaming = state.roaming || {};
  state.session = state.session || {};
  window.__officeCalls = [];
  window.__officeHandlers = {};
  var nextId = 1;

  function record(method, args) {
    window.__officeCalls.push({ method: method, args: JSON.parse(JSON.stringify(args)) });
  }

  function reply(args, value, failed) {
    var callback = null;
    for (var i = args.length - 1; i >= 0; i--) {
      if (typeof args[i] === "function") { callback = args[i]; break; }
    }
    if (callback) {
      setTimeout(function () {
        callback(failed
          ? { status: "failed", error: { name: "Error", message: failed } }
          : { status: "succeeded", value: value });
      }, 0);
    }
  }

  function plain(args) {
    return Array.prototype.filter.call(args, function (a) { return typeof a !== "function"; });
  }

  function recipients(field) {
    return {
      getAsync: function () {
        reply(arguments, (item[field] || []).map(function (address) {
          return { emailAddress: address, displayName: address, recipientType: "other" };
        }));
      },
      setAsync: function (list) {
        record(field + ".setAsync", plain(arguments));
        item[field] = list.map(function (entry) { return typeof entry === "string" ? entry : entry.emailAddress; });
        reply(arguments);
      }
    };
  }

  var mailItem = {
    itemType: "message",
    subject: {
      getAsync: function () { reply(arguments, item.subject || ""); },
      setAsync: function (value) {
        record("subject.setAsync", plain(arguments));
        item.subject = value;
        reply(arguments);
      }
    },
    from: { getAsync: function () { reply(arguments, { emailAddress: item.from, displayName: item.from }); } },
    to: recipients("to"),
    cc: recipients("cc"),
    bcc: recipients("bcc"),
    body: {
      getTypeAsync: function () { reply(arguments, item.bodyType || "text"); },
      getAsync: function (coercion) {
        reply(arguments, coercion === "html" ? (item.bodyHtml || "") : (item.bodyText || ""));
      },
      setAsync: function (data, options) {
        record("body.setAsync", plain(arguments));
        if (options && options.coercionType === "html") {
          item.bodyType = "html";
          item.bodyHtml = data;
          item.bodyText = data.replace(/<[^>]*>/g, " ");
        } else {
          item.bodyType = "text";
          item.bodyText = data;
          item.bodyHtml = null;
        }
        reply(arguments);
      }
    },
    getAttachmentsAsync: function () {
      reply(arguments, (item.attachments || []).map(function (a) {
        return { id: a.id, name: a.name, size: a.size || a.base64.length, attachmentType: "file", isInline: false };
      }));
    },
    getAttachmentContentAsync: function (id) {
      var found = (item.attachments || []).filter(function (a) { return a.id === id; })[0];
      reply(arguments, found ? { format: "base64", content: found.base64 } : null, found ? null : "not found");
    },
    removeAttachmentAsync: function (id) {
      record("removeAttachmentAsync", plain(arguments));
      item.attachments = (item.attachments || []).filter(function (a) { return a.id !== id; });
      reply(arguments);
    },
    addFileAttachmentFromBase64Async: function (base64, name) {
      record("addFileAttachmentFromBase64Async", [name, base64.length]);
      var id = "added-" + nextId++;
      item.attachments = (item.attachments || []).concat([{ id: id, name: name, base64: base64 }]);
      reply(arguments, id);
    },
    internetHeaders: {
      setAsync: function () { record("internetHeaders.setAsync", plain(arguments)); reply(arguments); },
      removeAsync: function () { record("internetHeaders.removeAsync", plain(arguments)); reply(arguments); }
    },
    notificationMessages: {
      replaceAsync: function () { record("notificationMessages.replaceAsync", plain(arguments)); reply(arguments); },
      removeAsync: function () { record("notificationMessages.removeAsync", plain(arguments)); reply(arguments); }
    },
    sessionData: {
      getAsync: function (key) { reply(arguments, state.session[key] || ""); },
      setAsync: function (key, value) { state.session[key] = value; reply(arguments); }
    }
  };

  window.Office = {
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    CoercionType: { Text: "text", Html: "html" },
    MailboxEnums: {
      AttachmentContentFormat: { Base64: "base64", Url: "url", Eml: "eml", ICalendar: "iCalendar" },
      ItemNotificationMessageType: { InformationalMessage: "informationalMessage", ErrorMessage: "errorMessage" }
    },
    context: {
      displayLanguage: state.displayLanguage || "fr-BE",
      roamingSettings: {
        get: function (key) { return state.roaming[key]; },
        set: function (key, value) { record("roamingSettings.set", [key]); state.roaming[key] = value; },
        saveAsync: function () { reply(arguments); }
      },
      mailbox: { item: mailItem, userProfile: { emailAddress: item.from } }
    },
    actions: {
      associate: function (name, handler) { window.__officeHandlers[name] = handler; }
    },
    onReady: function (callback) {
      return new Promise(function (resolve) {
        setTimeout(function () {
          var info = { host: "Outlook", platform: "OfficeOnline" };
          if (callback) { callback(info); }
          resolve(info);
        }, 0);
      });
    }
  };
}());
