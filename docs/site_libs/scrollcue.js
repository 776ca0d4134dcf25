// Boxes of the page that scroll sideways (code, maths displays, tables, outputs) get the class scroll-cue, and
// cue-left / cue-right while content is cut on that side: styles.css fades that edge. Written by tools/build_docs.py.
(function () {
  "use strict";
  var CUE = "scroll-cue", seen = new WeakSet(), timer;
  function update(el) {
    var more = el.scrollWidth - el.clientWidth;
    if (more > 1) {
      el.classList.add(CUE);
      el.classList.toggle("cue-left", el.scrollLeft > 1);
      el.classList.toggle("cue-right", el.scrollLeft < more - 1);
    } else if (el.classList.contains(CUE)) el.classList.remove(CUE, "cue-left", "cue-right");
  }
  function scan() {
    var root = document.querySelector("main") || document.body;
    // KaTeX's own boxes and the parts of a figure are skipped: a maths display scrolls in its .math.display box
    var walk = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT, { acceptNode: function (el) {
      return el.classList.contains("katex") || el.namespaceURI === "http://www.w3.org/2000/svg"
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT; } });
    for (var el = walk.nextNode(); el; el = walk.nextNode()) {
      var ox = getComputedStyle(el).overflowX;
      if (ox !== "auto" && ox !== "scroll") continue;
      update(el);
      if (!seen.has(el)) {
        seen.add(el);
        el.addEventListener("scroll", update.bind(null, el), { passive: true });
      }
    }
  }
  function later() { clearTimeout(timer); timer = setTimeout(scan, 100); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  window.addEventListener("load", scan);
  if (document.fonts) document.fonts.ready.then(scan);
  window.addEventListener("resize", later);
  document.addEventListener("toggle", later, true);  // a <details> opened: its boxes have a size now
})();
