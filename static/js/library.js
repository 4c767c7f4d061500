// My List and thumbs without a page load. The forms work on their own (POST, then back);
// here they send the same POST asking for JSON and show the new state. The "+" on a poster
// is a link to the title's buttons; here it adds or removes in place, asking
// /my-list/state/ which of the page's titles this profile already saved.
// (form.getAttribute("action"), not form.action: the list form has a field named "action",
// which form.action would return.)
(function () {
  "use strict";
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var saved = new Set();

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": tokenMeta ? tokenMeta.content : "" },
      body: body
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function showCard(link) {
    var on = saved.has(link.dataset.title);
    link.setAttribute("aria-pressed", on ? "true" : "false");
    link.setAttribute("aria-label", (on ? "Remove " : "Add ") + link.dataset.name + (on ? " from My List" : " to My List"));
  }

  var cards = document.querySelectorAll(".card-list");
  if (cards.length) {
    fetch("/my-list/state/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { ids: [] }; })
      .then(function (state) {
        saved = new Set(state.ids);
        cards.forEach(showCard);
      })
      .catch(function () {});
  }

  cards.forEach(function (link) {
    link.setAttribute("role", "button");
    showCard(link);
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var id = link.dataset.title;
      var action = saved.has(id) ? "remove" : "add";
      post("/titles/" + id + "/my-list/", { action: action }).then(function (state) {
        if (state.on_list) saved.add(id); else saved.delete(id);
        showCard(link);
      }).catch(function () { window.location.href = link.href; });
    });
  });

  document.querySelectorAll("form.js-library").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      var fields = new FormData(form);
      if (button && button.name) fields.set(button.name, button.value);
      event.preventDefault();
      post(form.getAttribute("action"), fields).then(function (state) {
        var box = form.closest(".library-actions");
        var list = box.querySelector(".list-button");
        list.setAttribute("aria-pressed", state.on_list ? "true" : "false");
        box.querySelector('input[name="action"]').value = state.on_list ? "remove" : "add";
        var names = { "-1": "not_for_me", "1": "like", "2": "love" };
        box.querySelectorAll(".thumb").forEach(function (thumb) {
          var on = names[String(state.thumb)] === thumb.dataset.thumb;
          thumb.setAttribute("aria-pressed", on ? "true" : "false");
          thumb.value = on ? "none" : thumb.dataset.thumb;
        });
      }).catch(function () { form.submit(); });
    });
  });
})();
