// The console's core: the token, calls to the API, messages, and which view shows.
// The token lives only in this tab (sessionStorage) and travels only as an
// Authorization header to this API; there is no cookie. Every value from the
// API is put in the page with textContent (see el()), never as HTML.
(function () {
  "use strict";
  var KEY = "streamfeed.console.token";
  var VERIFIER = "streamfeed.console.pkce";
  var FAREWELL = "streamfeed.console.farewell";
  var root = document.documentElement;
  // The API's routes sit beside /console (in AWS under the stage's path, e.g. /api).
  var base = window.location.pathname.replace(/\/console\/?$/, "");
  var SF = { views: {}, me: null, current: null };
  window.StreamfeedConsole = SF;

  function stored() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }
  function remember(token) {
    try { window.sessionStorage.setItem(KEY, token); } catch (e) { /* private mode */ }
  }
  function forget() {
    try { window.sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }

  // el("td", {className: "x", text: value}, [child, "text"]): text is always textContent.
  SF.el = function (tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (name) {
      var value = props[name];
      if (name === "text") { node.textContent = value == null ? "" : String(value); }
      else if (name === "className" || name === "hidden" || name === "type" ||
               name === "disabled" || name === "value") { node[name] = value; }
      else if (name.indexOf("on") === 0) { node.addEventListener(name.slice(2), value); }
      else { node.setAttribute(name, value); }
    });
    (children || []).forEach(function (child) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  };
  SF.byId = function (id) { return document.getElementById(id); };
  SF.cell = function (label, content, className) {
    var td = SF.el("td", { className: className || "", "data-label": label });
    if (content instanceof Node) { td.append(content); } else { td.textContent = content; }
    return td;
  };
  SF.when = function (iso) {
    var date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleString();
  };
  SF.path = function (part) { return encodeURIComponent(part); };

  // Replaces a table body's rows, keeping the keyboard focus on the same control.
  SF.refill = function (tbody, rows) {
    var active = document.activeElement;
    var key = active && tbody.contains(active) ? active.getAttribute("data-key") : null;
    tbody.replaceChildren.apply(tbody, rows);
    if (key) {
      var again = Array.prototype.find.call(tbody.querySelectorAll("[data-key]"), function (n) {
        return n.getAttribute("data-key") === key;
      });
      if (again) { again.focus(); }
    }
  };

  SF.say = function (text) {
    SF.byId("problem").textContent = "";
    SF.byId("notice").textContent = text;
  };
  SF.complain = function (text) {
    SF.byId("notice").textContent = "";
    SF.byId("problem").textContent = text;
  };
  SF.failed = function (error) { SF.complain(error.message || String(error)); };

  // One call to the API. Resolves to the JSON body (null for 204); rejects with
  // an Error carrying the API's own message and the HTTP status. A 401 signs out.
  SF.api = function (method, path, body) {
    var token = stored();
    var headers = { "Accept": "application/json" };
    if (token) { headers.Authorization = "Bearer " + token; }
    var init = { method: method, headers: headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(function (response) {
      var date = response.headers.get("Date");
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (response.ok) {
          if (data && typeof data === "object" && date) { data.__date = date; }
          return data;
        }
        var message = (data && data.message) || ("HTTP " + response.status);
        var error = new Error(message);
        error.status = response.status;
        error.code = data && data.error;
        if (response.status === 401) { SF.signOut(message); }
        throw error;
      });
    });
  };

  // Asks first; runs action() only when the person confirms.
  SF.confirmThen = function (question, action) {
    if (window.confirm(question)) { action(); }
  };
  // Disables a form's buttons while a call runs, so a double click sends one request.
  SF.busy = function (form, promise) {
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    return promise.finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  };

  // Views: {admin: bool, show(), hide()}. The hash names the view.
  SF.view = function (name, spec) { SF.views[name] = spec; };
  function defaultView() { return SF.me && SF.me.admin ? "terms" : "feed"; }
  function route() {
    if (!SF.me) { return; }
    var name = window.location.hash.replace(/^#/, "");
    var spec = SF.views[name];
    if (!spec || (spec.admin && !SF.me.admin) || !SF.byId("view-" + name)) {
      name = defaultView();
      spec = SF.views[name];
    }
    if (SF.current && SF.current !== name && SF.views[SF.current].hide) {
      SF.views[SF.current].hide();
    }
    document.querySelectorAll("section.view").forEach(function (section) {
      section.hidden = section.id !== "view-" + name;
    });
    document.querySelectorAll("#nav a[href^='#']").forEach(function (link) {
      if (link.getAttribute("href") === "#" + name) { link.setAttribute("aria-current", "page"); }
      else { link.removeAttribute("aria-current"); }
    });
    var moved = SF.current !== null && SF.current !== name;
    SF.current = name;
    SF.say("");
    if (moved) { SF.byId("h-" + name).focus(); }
    spec.show();
  }

  function showLogin(message) {
    var login = SF.byId("login");
    login.hidden = false;
    login.querySelector(".message").textContent = message || "";
    SF.byId("nav").hidden = true;
    SF.byId("who").hidden = true;
    document.querySelectorAll("section.view").forEach(function (s) { s.hidden = true; });
    SF.byId("token").focus();
  }

  SF.signOut = function (message) {
    forget();
    if (SF.current && SF.views[SF.current].hide) { SF.views[SF.current].hide(); }
    // A fresh page drops every value the last person saw (and their role).
    if (SF.me) {
      try { window.sessionStorage.setItem(FAREWELL, message || ""); } catch (e) { /* */ }
      window.location.reload();
      return;
    }
    showLogin(message);
  };

  function start() {
    if (!stored()) {
      var farewell = null;
      try {
        farewell = window.sessionStorage.getItem(FAREWELL);
        window.sessionStorage.removeItem(FAREWELL);
      } catch (e) { farewell = null; }
      showLogin(farewell || "");
      return;
    }
    SF.api("GET", "/me").then(function (me) {
      SF.me = me;
      if (!me.admin) {
        // Not hidden but gone: a non-admin's page holds no admin view at all.
        document.querySelectorAll("[data-admin]").forEach(function (node) { node.remove(); });
      }
      SF.byId("login").hidden = true;
      SF.byId("nav").hidden = false;
      SF.byId("who").hidden = false;
      SF.byId("who-name").textContent = me.user_id + (me.admin ? " (admin)" : "");
      route();
    }).catch(function (error) {
      if (error.status !== 401) { showLogin(error.message); }
    });
  }

  // Cognito's hosted sign-in: the authorization-code flow with PKCE, no client secret.
  function randomText() {
    var bytes = new Uint8Array(32);
    window.crypto.getRandomValues(bytes);
    return base64url(bytes);
  }
  function base64url(bytes) {
    var text = "";
    bytes.forEach(function (b) { text += String.fromCharCode(b); });
    return window.btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function here() { return window.location.origin + window.location.pathname; }
  function hostedSignIn() {
    var verifier = randomText();
    var state = randomText();
    var data = new TextEncoder().encode(verifier);
    window.crypto.subtle.digest("SHA-256", data).then(function (digest) {
      window.sessionStorage.setItem(VERIFIER, JSON.stringify({ v: verifier, s: state }));
      var query = new URLSearchParams({
        response_type: "code", client_id: root.getAttribute("data-client-id"),
        redirect_uri: here(), scope: "openid", state: state,
        code_challenge: base64url(new Uint8Array(digest)), code_challenge_method: "S256",
      });
      window.location.assign(root.getAttribute("data-hosted-ui") + "/oauth2/authorize?" + query);
    });
  }
  // Back from the hosted sign-in with ?code=&state=: trade the code for a token.
  function finishHostedSignIn() {
    var params = new URLSearchParams(window.location.search);
    if (!params.has("code") && !params.has("error")) { return Promise.resolve(); }
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
    var kept = null;
    try { kept = JSON.parse(window.sessionStorage.getItem(VERIFIER)); } catch (e) { kept = null; }
    window.sessionStorage.removeItem(VERIFIER);
    if (params.has("error") || !kept || kept.s !== params.get("state")) {
      return Promise.reject(new Error("the sign-in did not complete: " +
        (params.get("error_description") || params.get("error") || "state mismatch")));
    }
    var body = new URLSearchParams({
      grant_type: "authorization_code", client_id: root.getAttribute("data-client-id"),
      code: params.get("code"), redirect_uri: here(), code_verifier: kept.v,
    });
    return fetch(root.getAttribute("data-hosted-ui") + "/oauth2/token", {
      method: "POST", body: body, credentials: "omit", cache: "no-store",
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok || !data.access_token) {
          throw new Error("Cognito refused the sign-in: " + (data.error || response.status));
        }
        remember(data.access_token);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    SF.byId("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = SF.byId("token");
      var token = input.value.trim().replace(/^Bearer\s+/i, "");
      input.value = "";
      if (token) { remember(token); start(); }
    });
    var hosted = SF.byId("hosted-sign-in");
    if (hosted) { hosted.addEventListener("click", hostedSignIn); }
    SF.byId("sign-out").addEventListener("click", function () { SF.signOut(""); });
    window.addEventListener("hashchange", route);
    finishHostedSignIn().then(start, function (error) { showLogin(error.message); });
  });
})();
