// The subtitle preview on the preferences page follows the choices before they are saved.
// The CSS for each choice comes from the page (accounts/preferences.py CAPTION_TABLES).
(function () {
  "use strict";
  var form = document.querySelector(".preferences-form");
  var text = document.getElementById("caption-preview-text");
  var tables = document.getElementById("caption-tables");
  if (!form || !text || !tables) return;
  var styles = JSON.parse(tables.textContent);
  function update() {
    Object.keys(styles).forEach(function (name) {
      var field = form.elements.namedItem(name);
      var property = styles[name][0];
      var css = field ? styles[name][1][field.value] : undefined;
      if (css !== undefined) text.style[property] = css;
    });
  }
  form.addEventListener("change", update);
})();
