/* Step by Token: small fixes for every reader, run once the page has loaded.
 *
 * - A display equation wider than the column scrolls in its own box; such a box gets a
 *   tab stop and a name, so a keyboard can scroll it too.
 * - The navigation's expand/collapse toggles (<summary>) get a name for screen readers.
 * - A static figure is a link to its image at full size (for small screens).
 * - The bibliography is a list of entries, not an ARIA list: its role="list" (whose children
 *   are not list items) is removed.
 */
(function () {
  "use strict";
  function focusableScrollers() {
    var boxes = document.querySelectorAll('.bd-article mjx-container[display="true"], .bd-article div.math');
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "equation (scrolls sideways)");
      }
    });
  }
  /* A static figure opens at full size (sharp, 2x) when tapped: on a phone its type is small. */
  function figureLinks() {
    Array.prototype.forEach.call(document.querySelectorAll(".bd-article .cell_output img"), function (img) {
      if (img.closest("a")) return;
      var link = document.createElement("a");
      link.href = img.getAttribute("src");
      link.className = "sbt-figure-link";
      link.title = "Open the figure at full size";
      img.parentNode.insertBefore(link, img);
      link.appendChild(img);
    });
  }
  function fix() {
    figureLinks();
    Array.prototype.forEach.call(document.querySelectorAll("details > summary"), function (summary) {
      if (summary.textContent.trim() || summary.hasAttribute("aria-label")) return;
      var link = summary.parentElement.parentElement.querySelector(":scope > a");
      var name = link ? link.textContent.trim() : "section";
      summary.setAttribute("aria-label", "Show or hide the pages under " + name);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.citation-list[role="list"]'), function (list) {
      list.removeAttribute("role");
    });
    focusableScrollers();
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      window.MathJax.startup.promise.then(focusableScrollers);
    }
    window.addEventListener("load", function () { setTimeout(focusableScrollers, 500); });
    window.addEventListener("resize", focusableScrollers);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fix);
  else fix();
})();
