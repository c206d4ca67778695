// A form's page: j or n opens the next form of the list, k or p the previous one (the page's
// links marked rel="next" and rel="prev"). Keys typed in a field, or with Ctrl, Alt or the
// Windows/Command key, are left alone.
(function () {
  "use strict";
  var KEYS = { j: "next", n: "next", k: "prev", p: "prev" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) { return; }
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) { return; }
    var rel = KEYS[event.key];
    if (!rel) { return; }
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
}());
