// The status page refreshes itself: it fetches this same URL and swaps in the
// new #panel. With a token, the token lives only in this tab (sessionStorage)
// and is sent only as an Authorization header to this same origin.
(function () {
  "use strict";
  var KEY = "streamfeed.status.token";
  var root = document.documentElement;
  var every = (Number(root.getAttribute("data-refresh")) || 15) * 1000;
  var needsToken = root.getAttribute("data-auth") === "token";
  var login = document.getElementById("login");
  var note = document.getElementById("refresh-note");
  var timer = null;

  function stored() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }
  function remember(token) {
    try { window.sessionStorage.setItem(KEY, token); } catch (e) { /* private mode */ }
  }
  function forget() {
    try { window.sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }
  function say(text) { if (note) { note.textContent = text; } }
  function panel() { return document.getElementById("panel"); }

  function askForToken(message) {
    if (!login) { return; }
    login.hidden = false;
    login.querySelector(".message").textContent = message || "";
    var current = panel();
    if (current) { current.replaceChildren(); }
    say("waiting for a token");
  }

  function load() {
    var headers = { "Accept": "text/html" };
    if (needsToken) {
      var token = stored();
      if (!token) { askForToken(""); return; }
      headers.Authorization = "Bearer " + token;
    }
    fetch(window.location.pathname, { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            forget();
            askForToken(body.message || "the token was refused");
          });
        }
        if (!response.ok) { say("refresh failed (HTTP " + response.status + "); retrying"); return; }
        return response.text().then(function (text) {
          var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("panel");
          var current = panel();
          if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
          if (login) { login.hidden = true; }
          say("updated " + new Date().toLocaleTimeString() + " · refreshes every " +
              every / 1000 + " s");
        });
      })
      .catch(function (error) { say("refresh failed (" + error.message + "); retrying"); });
  }

  if (login) {
    login.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = login.querySelector("input");
      var token = input.value.trim().replace(/^Bearer\s+/i, "");
      input.value = "";
      if (token) { remember(token); load(); }
    });
  }
  if (needsToken) { load(); }
  timer = window.setInterval(load, every);
  window.addEventListener("beforeunload", function () { window.clearInterval(timer); });
})();
