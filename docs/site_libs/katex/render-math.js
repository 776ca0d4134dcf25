// Typeset the maths of a page with the local KaTeX. Written by tools/build_docs.py; do not edit in docs/.
(function () {
  "use strict";
  function typeset() {
    if (!window.renderMathInElement) return;
    window.renderMathInElement(document.body, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false },
        { left: "$", right: "$", display: false }
      ],
      ignoredClasses: ["katex"],
      throwOnError: false,
      errorColor: "#cc0001"  // tools/check_docs.py counts this colour as an unknown command
    });
  }
  window.smalldocsMath = typeset;
  typeset();
})();
