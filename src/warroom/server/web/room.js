// The read-only pages, live: a room (REF/stream, the incident's events) or
// the open incidents (/rooms/stream, every event).  The cookie signs the
// requests in.  After each burst the page's part is redrawn from its panel
// (REF/panel, /rooms/list), HTML the server rendered and escaped.  It is
// parsed with DOMParser (which runs no script) and moved in as nodes.  When
// the stream is refused (signed out, token revoked) the page says so and stops.
// The body names them: data-panel, data-stream, data-cursor (the query's
// name) and data-last (its value: the newest event the page shows).
(function () {
  "use strict";
  var body = document.body;
  var panel = body.getAttribute("data-panel");
  var streamUrl = body.getAttribute("data-stream");
  var cursor = body.getAttribute("data-cursor");
  var lastSeq = Number(body.getAttribute("data-last") || "0");
  var live = document.getElementById("live");
  var room = document.getElementById("room");
  var fetching = false, again = false;

  function say(text) { if (live) live.textContent = text; }
  function redraw() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(panel, {credentials: "same-origin", cache: "no-store"})
      .then(function (answer) {
        if (answer.status === 401) { stop("signed out: reload to sign in"); throw new Error("401"); }
        if (!answer.ok) throw new Error(String(answer.status));
        return answer.text();
      })
      .then(function (html) {
        var parsed = new DOMParser().parseFromString(html, "text/html");
        room.replaceChildren.apply(room, Array.prototype.slice.call(parsed.body.childNodes));
        var events = document.getElementById("events");
        if (events && events.lastElementChild) events.lastElementChild.scrollIntoView({block: "nearest"});
      })
      .catch(function () {})
      .then(function () { fetching = false; if (again) { again = false; redraw(); } });
  }
  var source = null;
  function stop(text) { if (source) source.close(); say(text); }
  function connect() {
    source = new EventSource(streamUrl + "?" + cursor + "=" + lastSeq, {withCredentials: true});
    source.addEventListener("open", function () { say("live"); });
    source.addEventListener("message", function (message) {
      var id = Number(message.lastEventId || "0");
      if (id > lastSeq) lastSeq = id;
      redraw();
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (not reconnecting): check whether we are still signed in.
        fetch(panel, {credentials: "same-origin"}).then(function (answer) {
          if (answer.status === 401) stop("signed out: reload to sign in");
          else setTimeout(connect, 2000);
        }, function () { setTimeout(connect, 2000); });
      } else {
        say("reconnecting");
      }
    });
  }
  connect();
})();
