// Kanban board: drag a story card onto another column to move it. The same request as the arrow
// buttons (which stay, for the keyboard): POST the new status to the story's move URL; the server
// answers with the whole board, or with the WIP-limit refusal.
(function () {
  "use strict";

  function csrfHeaders() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    } catch (e) {
      return {};
    }
  }

  function setUp(board) {
    if (!board || board.dataset.dragReady) return;
    board.dataset.dragReady = "1";
    board.querySelectorAll("[data-move-url]").forEach(function (card) {
      card.addEventListener("dragstart", function (event) {
        event.dataTransfer.setData("text/plain", card.dataset.moveUrl + "\n" + card.dataset.status);
        event.dataTransfer.effectAllowed = "move";
        card.classList.add("bm-dragging");
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("bm-dragging");
      });
    });
    board.querySelectorAll("[data-drop-status]").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        column.classList.add("bm-drop-target");
      });
      column.addEventListener("dragleave", function () {
        column.classList.remove("bm-drop-target");
      });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("bm-drop-target");
        var parts = (event.dataTransfer.getData("text/plain") || "").split("\n");
        var url = parts[0], from = parts[1], to = column.dataset.dropStatus;
        if (!url || from === to) return;
        htmx.ajax("POST", url, {
          target: "#board",
          swap: "outerHTML",
          values: { status: to },
          headers: csrfHeaders(),
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document.getElementById("board"));
  });
  document.addEventListener("htmx:afterSettle", function () {
    setUp(document.getElementById("board"));
  });
})();
