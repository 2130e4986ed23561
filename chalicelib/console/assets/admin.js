// The admin's views: terms, key sets, users. Each calls the same admin routes as
// the CLI and curl; for a non-admin those answer 403, and core.js removes these
// views from the page before any of them can show.
(function () {
  "use strict";
  var SF = window.StreamfeedConsole;
  var el = SF.el;
  var SLOW_MS = 30000;     // /status (CloudWatch) and the per-term rates
  var REFRESH_MS = 3000;   // the terms list, while the Terms view is open
  var RATE_TERMS = 50;     // terms measured at most, four at a time

  function button(text, label, key, onclick, className) {
    return el("button", { type: "button", className: className || "secondary", text: text,
                          "aria-label": label, "data-key": key, onclick: onclick });
  }
  function number(value, digits) {
    return typeof value === "number" ? value.toLocaleString(undefined, {
      maximumFractionDigits: digits || 0 }) : "—";
  }

  // ---- Terms ----
  var terms = { timer: null, shown: "", rates: {}, measuredAt: 0 };
  var termBody = SF.byId("terms-table").querySelector("tbody");

  function termRow(term) {
    var rule = term.value;
    var toggle = button(term.enabled ? "Disable" : "Enable",
      (term.enabled ? "Disable " : "Enable ") + rule, "toggle:" + term.term_id, function () {
        var question = term.enabled
          ? "Disable “" + rule + "”? The streamer removes its rule from X."
          : "Enable “" + rule + "”? The streamer adds it to X as a rule.";
        SF.confirmThen(question, function () {
          SF.api("PATCH", "/terms/" + SF.path(term.term_id), { enabled: !term.enabled })
            .then(function () { SF.say((term.enabled ? "Disabled" : "Enabled") + " “" + rule +
                                       "”."); refreshTerms(); })
            .catch(SF.failed);
        });
      });
    var remove = button("Delete", "Delete " + rule, "delete:" + term.term_id, function () {
      SF.confirmThen("Delete “" + rule + "” and its " + term.subscribers +
                     " subscriptions? This cannot be undone.", function () {
        SF.api("DELETE", "/terms/" + SF.path(term.term_id))
          .then(function () { SF.say("Deleted “" + rule + "”."); refreshTerms(); })
          .catch(SF.failed);
      });
    }, "danger");
    var state = String(term.sync_state);
    var sync = el("span", { className: "sync " + state.replace(/[^a-z-]/g, ""), text: state });
    var rate = term.term_id in terms.rates ? terms.rates[term.term_id] : null;
    return el("tr", { "data-term-id": term.term_id, "data-sync-state": state }, [
      SF.cell("Rule", rule, "term"),
      SF.cell("Enabled", term.enabled ? "yes" : "no"),
      SF.cell("Sync with X", sync),
      SF.cell("X's message", term.sync_error || "", "x-message"),
      SF.cell("Hot or cold", term.hot ? "hot" : "cold"),
      SF.cell("Subscribers", number(term.subscribers)),
      SF.cell("Tweets / min", rate === null ? "—" : number(rate, 1), "rate"),
      SF.cell("Actions", el("span", { className: "buttons" }, [toggle, remove]), "actions"),
    ]);
  }

  function paintTerms(items) {
    var json = JSON.stringify([items, terms.rates]);
    if (json === terms.shown) { return; }   // unchanged: keep the DOM (and the focus)
    terms.shown = json;
    SF.refill(termBody, items.map(termRow));
    SF.byId("terms-empty").hidden = items.length > 0;
  }

  // Tweets a minute of one term: its tweets stored in the last five minutes,
  // from the newest 100 (a full page of recent ones: over the time it spans).
  function rateOf(page) {
    var now = page.__date ? Date.parse(page.__date) : Date.now();
    var recent = page.items.filter(function (t) {
      return Date.parse(t.stored_at) >= now - 5 * 60000;
    });
    if (recent.length && recent.length === page.items.length && page.next_cursor) {
      var oldest = Date.parse(recent[recent.length - 1].stored_at);
      return recent.length / Math.max((now - oldest) / 60000, 1 / 60);
    }
    return recent.length / 5;
  }

  function measure(items) {
    var queue = items.filter(function (t) { return t.enabled; }).slice(0, RATE_TERMS);
    function next() {
      var term = queue.shift();
      if (!term || SF.current !== "terms") { return Promise.resolve(); }
      return SF.api("GET", "/terms/" + SF.path(term.term_id) + "/tweets?limit=100")
        .then(function (page) { terms.rates[term.term_id] = rateOf(page); })
        .catch(function () { delete terms.rates[term.term_id]; })
        .then(next);
    }
    return Promise.all([next(), next(), next(), next()]);
  }

  function streamRate(status) {
    var line = SF.byId("terms-rate");
    if (!status) { line.textContent = "The stream's rate is unavailable (GET /status failed)."; return; }
    var received = status.throughput && status.throughput.received;
    var perMinute = received && typeof received.per_minute === "number"
      ? received.per_minute : status.stream.rate_per_min;
    line.textContent = "The stream is " + status.stream.state + (typeof perMinute === "number"
      ? ": " + number(perMinute, 1) + " tweets a minute received (CloudWatch, 5-minute average)."
      : "; its rate is unknown (no CloudWatch data yet).");
  }

  function refreshTerms() {
    clearTimeout(terms.timer);
    var slow = Date.now() - terms.measuredAt >= SLOW_MS;
    var status = slow ? SF.api("GET", "/status").catch(function () { return null; }) : null;
    return SF.api("GET", "/terms").then(function (list) {
      if (SF.current !== "terms") { return null; }
      paintTerms(list.items);
      if (!slow) { return null; }
      terms.measuredAt = Date.now();
      status.then(streamRate);
      return measure(list.items).then(function () { paintTerms(list.items); });
    }).catch(SF.failed).finally(function () {
      if (SF.current === "terms") { terms.timer = setTimeout(refreshTerms, REFRESH_MS); }
    });
  }

  var termForm = SF.byId("term-form");
  termForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = SF.byId("term-value");
    var body = { value: input.value.trim(), enabled: SF.byId("term-enabled").checked };
    SF.busy(termForm, SF.api("POST", "/terms", body)).then(function (term) {
      input.value = "";
      var how = term.validation.method === "x_dry_run" ? "X's dry run accepted it"
        : "checked locally: " + (term.validation.note || "X was not asked");
      SF.say("Added “" + term.value + "” (" + how + "). It is " + term.sync_state +
             " until the streamer syncs it with X.");
      terms.measuredAt = 0;
      refreshTerms();
    }).catch(function (error) {
      // 422: X's dry run refused the rule, and the message is X's own.
      SF.complain(error.status === 422 ? "X refused the rule: " + error.message : error.message);
    });
  });
  SF.view("terms", { admin: true, show: function () { terms.measuredAt = 0; refreshTerms(); },
                     hide: function () { clearTimeout(terms.timer); } });

  // ---- Key sets ----
  var keysetBody = SF.byId("keysets-table").querySelector("tbody");
  var described = {};   // name -> description, as last listed
  var SOURCES = { setting: "set by STREAMFEED_DEFAULT_KEYS", stored: "stored",
                  only: "the only key set", none: "" };

  function keysetRow(set) {
    var actions = el("span", { className: "buttons" });
    if (!set.is_default) {
      actions.append(button("Make default", "Make " + set.name + " the default",
        "default:" + set.name, function () {
          SF.api("PUT", "/default-keyset", { name: set.name })
            .then(function () { SF.say(set.name + " is the default key set."); loadKeysets(); })
            .catch(SF.failed);
        }));
    }
    actions.append(button("Delete", "Delete " + set.name, "delete:" + set.name, function () {
      SF.confirmThen("Delete the key set " + set.name + "? Its secrets are deleted too.",
        function () {
          SF.api("DELETE", "/keysets/" + SF.path(set.name))
            .then(function () { SF.say("Deleted the key set " + set.name + "."); loadKeysets(); })
            .catch(SF.failed);
        });
    }, "danger"));
    return el("tr", { "data-name": set.name }, [
      SF.cell("Name", set.name, "term"), SF.cell("Hint", set.hint, "hint-cell"),
      SF.cell("User context", set.has_user_context ? "yes" : "no"),
      SF.cell("Description", set.description || ""),
      SF.cell("Default", set.is_default ? "default" : ""), SF.cell("Actions", actions, "actions"),
    ]);
  }

  function loadKeysets() {
    return SF.api("GET", "/keysets").then(function (list) {
      described = {};
      list.items.forEach(function (set) { described[set.name] = set.description; });
      SF.refill(keysetBody, list.items.map(keysetRow));
      SF.byId("keysets-empty").hidden = list.items.length > 0;
      var chosen = list.default;
      SF.byId("keysets-default").textContent = chosen.name
        ? "The streamer uses " + chosen.name + " by default (" + SOURCES[chosen.source] + ")."
        : "No default key set: the streamer needs one when there are several.";
    }).catch(SF.failed);
  }

  var keysetForm = SF.byId("keyset-form");
  keysetForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var replace = event.submitter && event.submitter.value === "replace";
    var name = SF.byId("ks-name").value.trim();
    var body = {};
    // Read the secrets, then empty their fields at once, whatever the answer.
    keysetForm.querySelectorAll("input[type=password]").forEach(function (input) {
      if (input.value) { body[input.name] = input.value; }
      input.value = "";
    });
    // A replacement stores the description too: an empty field keeps the current one.
    var description = SF.byId("ks-description").value.trim() || (replace && described[name]);
    if (description) { body.description = description; }
    var call = replace ? SF.api("PUT", "/keysets/" + SF.path(name), body)
      : SF.api("POST", "/keysets", Object.assign({ name: name }, body));
    body = null;
    SF.busy(keysetForm, call).then(function (set) {
      keysetForm.reset();
      SF.say((replace ? "Replaced the secrets of " : "Stored the key set ") + set.name +
             " (hint " + set.hint + ").");
      return loadKeysets();
    }).catch(SF.failed);
  });
  SF.view("keysets", { admin: true, show: loadKeysets });

  // ---- Users ----
  var userFeed = SF.feedPager("user-feed");
  var userSubs = SF.subscriptionTable("user-subs");
  var looked = null;

  function fillTermChoice() {
    var select = SF.byId("user-sub-term");
    return SF.api("GET", "/terms").then(function (list) {
      select.replaceChildren.apply(select, list.items.map(function (term) {
        var suffix = term.enabled ? "" : " (disabled)";
        return el("option", { value: term.term_id, text: term.value + suffix });
      }));
    }).catch(SF.failed);
  }

  function lookUp(user) {
    looked = user;
    SF.byId("user-panel").hidden = false;
    SF.byId("user-subs-title").textContent = "Subscriptions of " + user;
    SF.byId("user-feed-title").textContent = user + "'s feed, newest first";
    return Promise.all([fillTermChoice(), userSubs.open(user), userFeed.open(user)]);
  }

  var userForm = SF.byId("user-form");
  userForm.addEventListener("submit", function (event) {
    event.preventDefault();
    SF.say("");
    lookUp(SF.byId("user-id").value.trim());
  });
  var subForm = SF.byId("user-sub-form");
  subForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var select = SF.byId("user-sub-term");
    var term = select.value;
    var rule = select.selectedOptions.length ? select.selectedOptions[0].textContent : term;
    var path = "/users/" + SF.path(looked) + "/subscriptions/" + SF.path(term);
    SF.busy(subForm, SF.api("PUT", path)).then(function () {
      SF.say("Subscribed " + looked + " to “" + rule + "”.");
      return userSubs.reload();
    }).catch(SF.failed);
  });
  SF.view("users", { admin: true, show: function () { if (looked) { lookUp(looked); } } });
})();
