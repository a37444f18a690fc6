// Saves each answer as soon as it is chosen, without a page load. The page works without it:
// its form saves the whole page. No inline script: the Content-Security-Policy allows none.
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
        status.textContent = response.ok ? "Réponse enregistrée."
          : "Réponse non enregistrée : elle le sera avec la page.";
      }
    }).catch(function () {
      if (status) { status.textContent = "Hors connexion : la réponse sera enregistrée avec la page."; }
    });
  });
}());
