// Click (or Enter on) a figure to see it full size in an overlay; Esc, a click or the close button closes it.
// Written by tools/build_docs.py; do not edit in docs/. Its CSS is in styles.css (.figzoom).
(function () {
  "use strict";
  var FIGS = "main svg.figure-svg, main .cell-output-display img, main figure img";
  var overlay, box, closeBtn, opener;
  function build() {
    overlay = document.createElement("div");
    overlay.className = "figzoom";
    overlay.hidden = true;
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Enlarged figure (Escape or a click closes it)");
    closeBtn = document.createElement("button");
    closeBtn.type = "button";
    closeBtn.className = "figzoom-close";
    closeBtn.setAttribute("aria-label", "Close the enlarged figure");
    closeBtn.textContent = "\u00d7";
    box = document.createElement("div");
    box.className = "figzoom-box";
    overlay.appendChild(closeBtn);
    overlay.appendChild(box);
    overlay.addEventListener("click", close);  // anywhere: the figure, the backdrop, the button
    document.body.appendChild(overlay);
  }
  function natural(fig) {
    // [width, height] in CSS px: an SVG's size from its viewBox (matplotlib writes points), an image's own
    if (fig.tagName.toLowerCase() === "svg") {
      var vb = fig.viewBox && fig.viewBox.baseVal;
      if (vb && vb.width) return [vb.width * 4 / 3, vb.height * 4 / 3];
      var r = fig.getBoundingClientRect();
      return [r.width, r.height];
    }
    return [fig.naturalWidth || fig.width, fig.naturalHeight || fig.height];
  }
  function open(fig) {
    if (!overlay) build();
    opener = fig;
    var copy;
    if (fig.tagName.toLowerCase() === "svg") {
      // the copy's ids get a prefix, so that no id is on the page twice while it is open
      box.innerHTML = fig.outerHTML.replace(/\sid="/g, ' id="zoom-').replace(/href="#/g, 'href="#zoom-')
        .replace(/url\(#/g, "url(#zoom-");
      copy = box.firstElementChild;
    } else {
      copy = fig.cloneNode(false);
      copy.removeAttribute("id");
      box.textContent = "";
      box.appendChild(copy);
    }
    copy.removeAttribute("tabindex");
    copy.classList.remove("figzoom-target");
    var n = natural(fig), ratio = n[0] / n[1];
    var fit = Math.min(window.innerWidth - 32, (window.innerHeight - 64) * ratio);
    // fit the window; on a small screen, no smaller than the figure's own size (up to 960 px): it then scrolls
    var w = Math.max(fit, Math.min(n[0], 960));
    copy.style.width = Math.round(w) + "px";
    copy.style.height = Math.round(w / ratio) + "px";
    overlay.hidden = false;
    document.documentElement.classList.add("figzoom-open");
    closeBtn.focus({ preventScroll: true });
  }
  function close() {
    if (!overlay || overlay.hidden) return;
    overlay.hidden = true;
    box.textContent = "";
    document.documentElement.classList.remove("figzoom-open");
    if (opener) opener.focus({ preventScroll: true });
  }
  function init() {
    document.querySelectorAll(FIGS).forEach(function (fig) {
      if (fig.closest(".katex") || fig.classList.contains("figzoom-target")) return;
      fig.classList.add("figzoom-target");
      fig.setAttribute("tabindex", "0");
      fig.addEventListener("click", function (e) { e.preventDefault(); open(fig); });
      fig.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(fig); }
      });
    });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
