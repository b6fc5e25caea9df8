// Behaviour every page shares, kept out of the HTML so that the Content-Security-Policy can refuse inline
// script: draw the charts (data-figure), submit a form when a select changes (data-autosubmit), ask before
// a destructive form is sent (data-confirm), print (data-print) and keep a menu button's aria-expanded in step
// with its off-canvas menu. Runs again after every htmx swap.
(function () {
  "use strict";

  function drawCharts(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-figure]").forEach(function (div) {
      if (div.dataset.drawn) return;
      div.dataset.drawn = "1";
      var figure = JSON.parse(div.dataset.figure);
      var config = JSON.parse(div.dataset.config || "{}");
      window.Plotly.newPlot(div, figure.data || [], figure.layout || {}, config);
    });
  }

  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
  // Bootstrap keeps aria-expanded up to date for collapse toggles only, not for off-canvas ones.
  function markExpanded(event, open) {
    if (!event.target.id) return;
    document.querySelectorAll('[aria-controls="' + event.target.id + '"]').forEach(function (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.addEventListener("show.bs.offcanvas", function (event) { markExpanded(event, true); });
  document.addEventListener("hidden.bs.offcanvas", function (event) { markExpanded(event, false); });
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
  if (document.readyState !== "loading") drawCharts(document);
})();
