/* Step by Token: small fixes for every reader, run once the page has loaded.
 *
 * - A display equation wider than the column scrolls in its own box; such a box gets a
 *   tab stop and a name, so a keyboard can scroll it too.
 * - The navigation's expand/collapse toggles (<summary>) get a name for screen readers.
 * - A static figure is a link to its image at full size (for small screens).
 * - The bibliography is a list of entries, not an ARIA list: its role="list" (whose children
 *   are not list items) is removed, and so is each entry's deprecated role doc-biblioentry.
 * - The primary sidebar (logo and navigation) is a named region, so all content is in a landmark.
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
    // docutils marks each reference with the DPUB role doc-biblioentry, deprecated in DPUB-ARIA
    // 1.1 and not allowed on a <div>; the entry's text says what it is.
    Array.prototype.forEach.call(document.querySelectorAll('.citation[role="doc-biblioentry"]'), function (entry) {
      entry.removeAttribute("role");
    });
    // The sidebar holds the logo as well as the navigation: a named region, so that no content
    // of the page is outside a landmark.
    var sidebar = document.querySelector(".bd-sidebar-primary");
    if (sidebar && !sidebar.hasAttribute("role")) {
      sidebar.setAttribute("role", "region");
      sidebar.setAttribute("aria-label", "The book's pages");
    }
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
