/* The player's captions and audio menus: role=menu of menuitemradio buttons, built on
   window.portalPlayer (static/js/player.js). Exactly one caption track shows, or none; the
   audio menu lists the stream's renditions when it has two or more. */
(function () {
  "use strict";

  var player = window.portalPlayer;
  if (!player) { return; }
  var root = player.root;
  var video = player.video;
  var captionsButton = document.getElementById("player-captions-button");
  var captionsMenu = document.getElementById("player-captions-menu");
  var audioWrap = document.getElementById("player-audio-wrap");
  var audioButton = document.getElementById("player-audio-button");
  var audioMenu = document.getElementById("player-audio-menu");
  var captionChoice = null;   // the language shown now, null for off
  var lastCaption = null;     // what "c" turns back on

  function menuItems(menu) { return Array.prototype.slice.call(menu.querySelectorAll("[role=menuitemradio]")); }

  function openMenu(menu, button) {
    closeMenus();
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    var items = menuItems(menu);
    var checked = items.filter(function (item) { return item.getAttribute("aria-checked") === "true"; })[0];
    (checked || items[0]).focus();  // in the player: its controls stay (player_controls.js)
  }

  function closeMenu(menu, button, refocus) {
    if (menu.hidden) { return; }
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) { button.focus(); }
  }

  function closeMenus() {
    closeMenu(captionsMenu, captionsButton, false);
    closeMenu(audioMenu, audioButton, false);
  }

  function wireMenu(menu, button) {
    button.addEventListener("click", function () {
      if (menu.hidden) { openMenu(menu, button); } else { closeMenu(menu, button, true); }
    });
    button.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        event.stopPropagation();
        openMenu(menu, button);
      }
    });
    // The menu's own keys stay in the menu: arrows move, Escape closes, Tab leaves.
    menu.addEventListener("keydown", function (event) {
      var items = menuItems(menu);
      var at = items.indexOf(document.activeElement);
      var to = null;
      if (event.key === "ArrowDown") { to = (at + 1) % items.length; }
      else if (event.key === "ArrowUp") { to = (at - 1 + items.length) % items.length; }
      else if (event.key === "Home") { to = 0; }
      else if (event.key === "End") { to = items.length - 1; }
      else if (event.key === "Escape") { event.preventDefault(); closeMenu(menu, button, true); }
      else if (event.key === "Tab") { closeMenu(menu, button, false); return; }
      if (to !== null) { event.preventDefault(); items[to].focus(); }
      event.stopPropagation();
    });
  }

  function menuItem(menu, label, checked, choose) {
    var item = document.createElement("button");
    item.type = "button";
    item.className = "player-menu-item";
    item.setAttribute("role", "menuitemradio");
    item.setAttribute("aria-checked", checked ? "true" : "false");
    item.tabIndex = -1;
    item.textContent = label;
    item.addEventListener("click", function () {
      menuItems(menu).forEach(function (other) { other.setAttribute("aria-checked", other === item ? "true" : "false"); });
      choose();
      closeMenus();
      (menu === captionsMenu ? captionsButton : audioButton).focus();
    });
    menu.appendChild(item);
    return item;
  }

  function defaultCaption(captions) {
    var chosen = captions.filter(function (caption) { return caption["default"]; })[0] || captions[0];
    return chosen ? chosen.language_code : null;
  }

  // Exactly one track shows (or none): a second "showing" track would fetch a second file.
  function showCaption(language) {
    captionChoice = language || null;
    if (captionChoice) { lastCaption = captionChoice; }
    var shown = false;
    for (var i = 0; i < video.textTracks.length; i++) {
      var track = video.textTracks[i];
      var wanted = !shown && !!captionChoice && track.language === captionChoice;
      track.mode = wanted ? "showing" : "disabled";
      shown = shown || wanted;
    }
    menuItems(captionsMenu).forEach(function (item) {
      item.setAttribute("aria-checked", (item.dataset.language || null) === captionChoice ? "true" : "false");
    });
    root.classList.toggle("has-captions-on", !!captionChoice);
  }

  function buildCaptionsMenu(captions) {
    captionsMenu.textContent = "";
    menuItem(captionsMenu, "Off", !captionChoice, function () { showCaption(null); });
    captions.forEach(function (caption) {
      var item = menuItem(captionsMenu, caption.label, caption.language_code === captionChoice,
        function () { showCaption(caption.language_code); });
      item.dataset.language = caption.language_code;
    });
    document.getElementById("player-captions-wrap").hidden = captions.length === 0;
  }

  function toggleCaptions() { showCaption(captionChoice ? null : lastCaption); }

  function buildAudioMenu() {
    var choices = player.audioChoices();
    var open = !audioMenu.hidden;
    audioWrap.hidden = choices.length < 2;
    if (choices.length < 2) { closeMenu(audioMenu, audioButton, false); return; }
    audioMenu.textContent = "";
    choices.forEach(function (choice, index) {
      menuItem(audioMenu, choice.label, choice.on, function () { player.chooseAudioTrack(index); });
    });
    if (open) { openMenu(audioMenu, audioButton); }
  }

  wireMenu(captionsMenu, captionsButton);
  wireMenu(audioMenu, audioButton);
  document.addEventListener("pointerdown", function (event) {
    if (!event.target.closest || !event.target.closest(".player-menu-wrap")) { closeMenus(); }
  });

  root.addEventListener("player:audio", buildAudioMenu);
  buildAudioMenu();

  // The server's choice (player.js marked its track default), shown exactly once the media is
  // known: Chromium's automatic selection runs after the tracks are added and, once any track
  // shows, turns on the first track no script has set (a second file, two tracks showing).
  player.onStart(function (data) {
    captionChoice = data.selected_caption || null;
    lastCaption = captionChoice || defaultCaption(data.captions);
    buildCaptionsMenu(data.captions);
    function apply() { showCaption(captionChoice); }
    if (video.readyState >= 1) { apply(); } else { video.addEventListener("loadedmetadata", apply, { once: true }); }
  });

  // For the controls (player_controls.js): whether they must stay, the "c" key, Escape.
  player.menus = {
    anyOpen: function () { return !captionsMenu.hidden || !audioMenu.hidden; },
    closeAll: closeMenus,
    toggleCaptions: toggleCaptions
  };
}());
