// Optional: copies a share link to the clipboard. Every page works without it (the link is also shown as text).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field) { return; }
  var done = function () { button.textContent = "Скопировано"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
  } else {
    field.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected for a manual copy */ }
  }
});
document.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
