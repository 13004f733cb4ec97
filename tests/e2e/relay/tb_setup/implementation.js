/* global ExtensionCommon, Services, Cc, Ci */
"use strict";

// Test-only privileged code: what a user does by hand the first time (save the SMTP password, accept the
// relay's self-signed certificate), done before the test sends anything.
var relaySetup = class extends ExtensionCommon.ExtensionAPI {
  getAPI() {
    return {
      relaySetup: {
        async configure(setup) {
          const origin = `smtp://${setup.host}`;
          const login = Cc["@mozilla.org/login-manager/loginInfo;1"].createInstance(Ci.nsILoginInfo);
          login.init(origin, null, origin, setup.username, setup.password, "", "");
          await Services.logins.addLoginAsync(login);
          const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
          const cert = certdb.constructX509FromBase64(setup.certBase64);
          const overrides = Cc["@mozilla.org/security/certoverride;1"].getService(Ci.nsICertOverrideService);
          overrides.rememberValidityOverride(setup.host, setup.port, {}, cert, false);
          return true;
        },
      },
    };
  }
};
