// Studio's keyboard: Ctrl/Cmd+S saves the record form, Escape discards it, Ctrl/Cmd+K finds a model, "?"
// lists the keys. Every page works without this file.
"use strict";
document.addEventListener("keydown", (e) => {
  const form = document.querySelector("form.edit");
  const typing = e.target instanceof HTMLElement && e.target.matches("input, textarea, select");
  if ((e.ctrlKey || e.metaKey) && e.key === "s" && form) {
    e.preventDefault();
    form.requestSubmit();
  } else if (e.key === "Escape" && form) {
    const discard = form.querySelector("a.discard");
    if (discard) { e.preventDefault(); discard.click(); }
  } else if ((e.ctrlKey || e.metaKey) && e.key === "k") {
    e.preventDefault();
    const search = document.getElementById("model-search");
    if (search) search.focus();
  } else if (e.key === "?" && !typing) {
    const help = document.getElementById("keys");
    if (help) help.hidden = !help.hidden;
  }
});

// A page edited as one form: changed cells are marked and the button counts them.
const batch = document.querySelector("form.batch");
if (batch) {
  const button = batch.querySelector("button[type=submit]");
  const count = () => {
    const n = batch.querySelectorAll("td.cell.changed").length;
    button.textContent = n ? `Save ${n} change${n === 1 ? "" : "s"}` : "Save changes";
  };
  batch.addEventListener("input", (e) => {
    const cell = e.target.closest("td.cell");
    if (cell) { cell.classList.add("changed"); count(); }
  });
  batch.addEventListener("change", (e) => {
    const cell = e.target.closest("td.cell");
    if (cell) { cell.classList.add("changed"); count(); }
  });
}

// In a page edited as one form, ↑ and ↓ in a text field move to the same column of the row above or
// below (lists keep their own arrows).
if (batch) {
  batch.addEventListener("keydown", (e) => {
    if ((e.key !== "ArrowUp" && e.key !== "ArrowDown") || !(e.target instanceof HTMLInputElement)) return;
    const cell = e.target.closest("td");
    const row = cell && cell.parentElement;
    const next = row && (e.key === "ArrowUp" ? row.previousElementSibling : row.nextElementSibling);
    if (!next) return;
    const target = next.children[Array.prototype.indexOf.call(row.children, cell)];
    const field = target && target.querySelector("input:not([type=checkbox]), select, textarea");
    if (field) { e.preventDefault(); field.focus(); }
  });
}

// The model search: typing keeps the models whose name holds the text; Enter opens the first.
const search = document.getElementById("model-search");
if (search) {
  const links = () => Array.from(document.querySelectorAll("nav a.tenant, nav a.global"));
  search.addEventListener("input", () => {
    const text = search.value.trim().toLowerCase();
    for (const a of links()) a.hidden = text !== "" && !a.textContent.toLowerCase().includes(text);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const first = links().find((a) => !a.hidden);
    if (first) { e.preventDefault(); first.click(); }
  });
}
