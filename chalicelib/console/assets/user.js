// What every signed-in person has: a feed and subscriptions, their own (as `me`)
// or, for an admin, any user's (admin.js reuses both). Feed items come as the
// API serves them: a tweet is an HTML card the API escaped; the console reads
// its text and link in an inert DOMParser document and shows them as text.
(function () {
  "use strict";
  var SF = window.StreamfeedConsole;
  var el = SF.el;
  var X_LINK = /^https:\/\/x\.com\//;

  // The text of a card's paragraph, its <br>s as line breaks.
  function textOf(node) {
    var parts = [];
    node.childNodes.forEach(function (child) {
      parts.push(child.nodeName === "BR" ? "\n" : child.textContent);
    });
    return parts.join("");
  }

  SF.feedItem = function (item) {
    var when = el("time", { datetime: item.created_at, text: SF.when(item.created_at) });
    var meta = el("div", { className: "meta" }, [when]);
    var li = el("li", { className: "item", "data-item-id": item.id });
    var card = null;
    if (item.id.indexOf("tweet:") === 0 && item.content.indexOf("<article") === 0) {
      // An inert document: nothing in it runs or loads; only its text is read.
      card = new DOMParser().parseFromString(item.content, "text/html")
        .querySelector("article.tweet");
    }
    if (!card) {
      li.append(meta, el("p", { className: "text", text: item.content }));
      return li;
    }
    var who = card.querySelector("header");
    var text = card.querySelector(".text");
    var link = card.querySelector("a.link");
    meta.prepend(el("span", { className: "author", text: who ? who.textContent : "" }), " · ");
    li.append(meta, el("p", { className: "text", text: text ? textOf(text) : "" }));
    var href = link ? link.getAttribute("href") : "";
    if (href && X_LINK.test(href)) {
      li.append(el("a", { href: href, rel: "noopener noreferrer", target: "_blank",
                          text: "View on X" }));
    }
    return li;
  };

  // A paged feed (newest first) in the #<prefix>-items list.
  SF.feedPager = function (prefix) {
    var list = SF.byId(prefix + "-items");
    var older = SF.byId(prefix + "-older");
    var empty = SF.byId(prefix + "-empty");
    var user = null;
    var cursor = null;
    function load(next) {
      var query = "?limit=20" + (next ? "&cursor=" + encodeURIComponent(next) : "");
      return SF.api("GET", "/users/" + SF.path(user) + "/feed" + query).then(function (page) {
        if (!next) { list.replaceChildren(); }
        page.items.forEach(function (item) { list.append(SF.feedItem(item)); });
        cursor = page.next_cursor;
        older.hidden = !cursor;
        empty.hidden = list.children.length > 0;
      }).catch(SF.failed);
    }
    older.addEventListener("click", function () { load(cursor); });
    SF.byId(prefix + "-reload").addEventListener("click", function () { load(null); });
    return { open: function (userId) { user = userId; cursor = null; return load(null); } };
  };

  // A user's subscriptions in the #<prefix>-table, each with a Remove button.
  SF.subscriptionTable = function (prefix) {
    var tbody = SF.byId(prefix + "-table").querySelector("tbody");
    var empty = SF.byId(prefix + "-empty");
    var user = null;
    function remove(sub) {
      var rule = sub.value || sub.term_id;
      var whose = user === "me" ? "yourself" : user;
      SF.confirmThen("Unsubscribe " + whose + " from “" + rule + "”?", function () {
        SF.api("DELETE", "/users/" + SF.path(user) + "/subscriptions/" + SF.path(sub.term_id))
          .then(function () { SF.say("Unsubscribed from “" + rule + "”."); return load(); })
          .catch(SF.failed);
      });
    }
    function row(sub) {
      var rule = sub.value || "(deleted term " + sub.term_id + ")";
      var button = el("button", { type: "button", className: "secondary", text: "Remove",
                                  "aria-label": "Remove " + rule, "data-key": sub.term_id,
                                  onclick: function () { remove(sub); } });
      var enabled = sub.enabled === null ? "—" : (sub.enabled ? "yes" : "no");
      return el("tr", { "data-term-id": sub.term_id }, [
        SF.cell("Rule", rule, "term"), SF.cell("Enabled", enabled),
        SF.cell("Since", SF.when(sub.created_at)), SF.cell("Actions", button, "actions"),
      ]);
    }
    function load() {
      return SF.api("GET", "/users/" + SF.path(user) + "/subscriptions").then(function (list) {
        SF.refill(tbody, list.items.map(row));
        empty.hidden = list.items.length > 0;
      }).catch(SF.failed);
    }
    return { open: function (userId) { user = userId; return load(); }, reload: load };
  };

  var myFeed = SF.feedPager("my-feed");
  var mySubs = SF.subscriptionTable("my-subs");
  SF.view("feed", { admin: false, show: function () { myFeed.open("me"); } });
  SF.view("subscriptions", { admin: false, show: function () { mySubs.open("me"); } });

  var form = SF.byId("my-sub-form");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = SF.byId("my-sub-value");
    var value = input.value.trim();
    SF.busy(form, SF.api("POST", "/users/me/subscriptions", { value: value }))
      .then(function (sub) {
        input.value = "";
        SF.say("Following “" + (sub.value || value) + "”.");
        return mySubs.reload();
      })
      .catch(SF.failed);
  });
})();
