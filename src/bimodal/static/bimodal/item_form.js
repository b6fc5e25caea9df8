// The request-item editor: add, remove and renumber the rows of its field specification.
(function () {
  const form = document.getElementById("item-form");
  function rows(prefix) { return Array.from(form.querySelectorAll(`[data-rows="${prefix}"] > .sd-spec`)); }
  function renumber(prefix) {
    let n = 1;
    rows(prefix).forEach((row) => {
      const order = row.querySelector(`input[name$="-ORDER"]`);
      if (order && !row.classList.contains("sd-removed")) order.value = n++;
    });
  }
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const box = button.closest("[data-rows]");
    if (button.dataset.add) {
      const prefix = button.dataset.add;
      const total = form.querySelector(`#id_${prefix}-TOTAL_FORMS`);
      const html = form.querySelector(`template[data-template="${prefix}"]`).innerHTML.replace(/__prefix__/g, total.value);
      total.value = Number(total.value) + 1;
      const target = form.querySelector(`[data-rows="${prefix}"]`);
      target.querySelector("template").insertAdjacentHTML("beforebegin", html);
      renumber(prefix);
      const added = rows(prefix).at(-1).querySelector("input[type=text], input:not([type])");
      if (added) added.focus();
      return;
    }
    const row = button.closest(".sd-spec");
    if (!row || !box) return;
    const prefix = box.dataset.rows;
    if (button.dataset.remove !== undefined) {
      row.querySelector(`input[name$="-DELETE"]`).checked = true;
      row.classList.add("sd-removed");
    } else if (button.dataset.move) {
      const live = rows(prefix).filter((r) => !r.classList.contains("sd-removed"));
      const i = live.indexOf(row), j = i + Number(button.dataset.move);
      if (j < 0 || j >= live.length) return;
      if (j < i) live[j].before(row); else live[j].after(row);
    }
    renumber(prefix);
  });
})();
