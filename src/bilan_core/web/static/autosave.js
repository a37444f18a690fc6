// Saves each answer as soon as it is chosen, without a page load. The page works without it:
// its form saves the whole page. No inline script: the Content-Security-Policy allows none.
// What it says comes from the page (data-saved, data-unsaved, data-offline), in its language.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) { return; }
  var status = document.getElementById("enregistrement");
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.name || input.name.indexOf("item-") !== 0) { return; }
    var body = new URLSearchParams();
    body.set("csrf", form.elements.csrf.value);
    body.set("shown", form.elements.shown.value);
    body.set("item", input.name.slice(5));
    body.set("value", input.value);
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Content-Type": "application/x-www-form-urlencoded"}
    }).then(function (response) {
      if (status) {
        status.textContent = form.getAttribute(response.ok ? "data-saved" : "data-unsaved");
      }
    }).catch(function () {
      if (status) { status.textContent = form.getAttribute("data-offline"); }
    });
  });
}());
