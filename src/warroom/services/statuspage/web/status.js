// The public status page, live: listen to status/stream (pings only, no
// data) and on each ping refetch api/v2/summary.json and redraw the current
// status, the components and the active incidents.  Every text from the JSON
// goes in through textContent, never as HTML.  Without a stream (a static
// host), summary.json is polled instead; the page's meta refresh stays the
// fallback without JavaScript.
(function () {
  "use strict";
  var STATUS = {investigating: "Investigating", identified: "Identified",
    monitoring: "Monitoring", resolved: "Resolved"};
  var STATES = {operational: "Operational", under_maintenance: "Under maintenance",
    degraded_performance: "Degraded performance", partial_outage: "Partial outage",
    major_outage: "Major outage"};
  var zone = document.body.getAttribute("data-time-zone") || "UTC";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function word(table, key) { return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : String(key); }
  function safeClass(value) { return String(value).replace(/[^a-z_]/g, ""); }
  // "2026-12-05 08:02 CET", in the page's time zone: as the server writes it.
  function local(iso) {
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", {year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone,
        timeZoneName: "short"}).formatToParts(new Date(iso)).forEach(function (part) {
        parts[part.type] = part.value;
      });
      return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" +
        parts.minute + " " + parts.timeZoneName;
    } catch (e) { return iso; }
  }
  function timeNode(iso) {
    var node = el("time", null, local(iso));
    node.setAttribute("datetime", iso);
    return node;
  }
  function updateItem(update) {
    var li = el("li", "update");
    li.appendChild(el("span", "update-status", word(STATUS, update.status)));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "body", update.body));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(timeNode(update.display_at || update.created_at));
    return li;
  }
  function updateList(updates) {
    var list = el("ol", "updates");
    updates.forEach(function (update) { list.appendChild(updateItem(update)); });
    return list;
  }
  // An incident as the server renders it; a past one shows its last update
  // and folds the earlier ones (as the page does without JavaScript).
  function incident(item, past) {
    var node = el("article", "incident impact-" + safeClass(item.impact) + (past ? " past" : ""));
    node.id = "incident-" + String(item.id);
    node.appendChild(el("h3", null, item.name));
    var meta = el("p", "meta");
    meta.appendChild(el("span", "status", word(STATUS, item.status)));
    if (past && item.resolved_at) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(timeNode(item.resolved_at));
    }
    node.appendChild(meta);
    var updates = item.incident_updates || [];  // newest first
    node.appendChild(updateList(past ? updates.slice(0, 1) : updates));
    if (past && updates.length > 1) {
      var details = el("details", "earlier");
      var n = updates.length - 1;
      details.appendChild(el("summary", null, n + " earlier update" + (n > 1 ? "s" : "")));
      details.appendChild(updateList(updates.slice(1)));
      node.appendChild(details);
    }
    return node;
  }
  function draw(summary) {
    var overall = document.getElementById("overall");
    overall.className = "overall indicator-" + safeClass(summary.status.indicator);
    overall.textContent = summary.status.description;
    var components = document.getElementById("components");
    if (components) {
      var items = [], groups = {};
      (summary.components || []).forEach(function (c) { if (c.group) groups[c.id] = c.name; });
      (summary.components || []).forEach(function (c) {
        if (c.group) return;
        var li = el("li", "component state-" + safeClass(c.status));
        li.appendChild(el("span", "name", c.name));
        if (c.group_id && groups[c.group_id]) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("span", "group", groups[c.group_id]));
        }
        li.appendChild(el("span", "state", word(STATES, c.status)));
        if (c.description) li.appendChild(el("span", "component-description", c.description));
        items.push(li);
      });
      components.replaceChildren.apply(components, items);
    }
    var active = document.getElementById("active");
    var before = Array.prototype.map.call(active.querySelectorAll("article"), function (a) { return a.id; });
    var now = (summary.incidents || []).map(function (item) { return "incident-" + String(item.id); });
    var ended = before.filter(function (id) { return now.indexOf(id) < 0; });
    if (ended.length) moveToHistory(ended);
    var blocks = (summary.incidents || []).map(function (item) { return incident(item, false); });
    if (!blocks.length) blocks = [el("p", "none", "No active incidents.")];
    active.replaceChildren.apply(active, blocks);
    var updated = document.getElementById("updated");
    if (updated && summary.page && summary.page.updated_at) {
      updated.setAttribute("datetime", summary.page.updated_at);
      updated.textContent = local(summary.page.updated_at);
    }
  }
  // Incidents that left the active list (resolved) go to the top of the
  // history, as incidents.json has them now.
  function moveToHistory(ids) {
    fetch("api/v2/incidents.json", {cache: "no-store"})
      .then(function (answer) { if (!answer.ok) throw new Error(answer.status); return answer.json(); })
      .then(function (listed) {
        var history = document.getElementById("history");
        var heading = history.querySelector("h2");
        (listed.incidents || []).slice().reverse().forEach(function (item) {
          var id = "incident-" + String(item.id);
          if (ids.indexOf(id) < 0 || item.status !== "resolved") return;
          var old = document.getElementById(id);
          if (old && history.contains(old)) old.remove();
          var none = history.querySelector(".none");
          if (none) none.remove();
          heading.after(incident(item, true));
        });
      })
      .catch(function () {});
  }
  var fetching = false, again = false;
  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch("api/v2/summary.json", {cache: "no-store"})
      .then(function (answer) { if (!answer.ok) throw new Error(answer.status); return answer.json(); })
      .then(draw)
      .catch(function () {})
      .then(function () { fetching = false; if (again) { again = false; refresh(); } });
  }
  function poll() { setInterval(refresh, 30000); }
  if (typeof EventSource === "undefined") { poll(); return; }
  var opened = false;
  var source = new EventSource("status/stream");
  source.addEventListener("open", function () { if (opened) refresh(); opened = true; });
  source.addEventListener("ping", refresh);
  source.addEventListener("error", function () {
    if (!opened) { source.close(); poll(); }  // no stream here (a static host): poll
  });
})();
