// Studio's keyboard: Ctrl/Cmd+S saves the record form, Escape discards it, Ctrl/Cmd+K goes to the models,
// "?" lists the keys. Nothing else: every page works without this file.
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
    const first = document.querySelector("nav a");
    if (first) first.focus();
  } else if (e.key === "?" && !typing) {
    const help = document.getElementById("keys");
    if (help) help.hidden = !help.hidden;
  }
});
