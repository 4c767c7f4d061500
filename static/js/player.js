/* The portal's player: starts a viewing session, plays HLS (natively where the browser can,
   with hls.js where it was installed), resumes, reports its position, renews its stream
   token, and says in plain words what went wrong. No framework, no CDN. */
(function () {
  "use strict";

  var root = document.getElementById("player");
  var video = document.getElementById("video");
  if (!root || !video) { return; }

  var csrf = root.dataset.csrf;
  var session = null;
  var heartbeatTimer = null;
  var tokenTimer = null;
  var pendingErrors = [];
  var ended = false;
  var hls = null;

  var MESSAGES = {
    title_unavailable: ["This title is no longer available", "It may have left the catalog."],
    unknown_session: ["This viewing session has ended", "Reload the page to start again."],
    too_many_streams: ["Too many screens", null],
    account_inactive: ["Your account is on hold", null],
    no_stream: ["This title is not ready yet", "Please try again later."],
    drm_unsupported: ["This stream needs a browser with DRM support",
      "Try a recent Chrome, Edge, Firefox or Safari with protected content enabled."],
    hls_unsupported: ["This browser cannot play this stream",
      "Use Safari or Chrome, or ask the administrator to enable the hls.js player (make player-deps)."],
    media_error: ["The video stopped playing", "Reload the page to try again."],
    session_ended: ["This viewing session has ended", "Reload the page to start again."],
    network: ["The portal cannot be reached", "Check your connection and reload."]
  };

  function url(template, id) { return template.replace("00000000-0000-0000-0000-000000000000", id); }

  function showError(code, message) {
    var known = MESSAGES[code] || ["Something went wrong", null];
    document.getElementById("player-message-title").textContent = known[0];
    document.getElementById("player-message-text").textContent = known[1] || message || "";
    document.getElementById("player-message-code").textContent = code;
    document.getElementById("player-message").hidden = false;
    stopTimers();
  }

  // The portal refused to go on (the title left the catalog, the account is on hold, the
  // session ended): stop the picture, not only the timers, and say why.
  function stopPlayback(code, message) {
    ended = true;
    video.pause();
    if (hls) { hls.destroy(); hls = null; }
    video.removeAttribute("src");
    video.load();
    showError(code, message);
  }

  function refusedBy(response) {
    // 4xx but a rate limit: the portal said no for good. 429 and 5xx are worth another try.
    return response.status >= 400 && response.status < 500 && response.status !== 429;
  }

  function stopIfRefused(response) {
    if (!refusedBy(response)) { return null; }
    return response.json().then(function (data) {
      stopPlayback(data.error.code, data.error.message);
    }, function () { stopPlayback("session_ended"); });
  }

  function post(target, body, keepalive) {
    return fetch(target, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    });
  }

  function beacon(target, fields) {
    var form = new URLSearchParams(fields);
    form.set("csrfmiddlewaretoken", csrf);
    var blob = new Blob([form.toString()], { type: "application/x-www-form-urlencoded" });
    if (!navigator.sendBeacon || !navigator.sendBeacon(target, blob)) {
      fetch(target, { method: "POST", body: blob, keepalive: true, credentials: "same-origin" });
    }
  }

  function position() { return Math.max(0, Math.round((video.currentTime || 0) * 10) / 10); }

  // The portal or the network is briefly away (a 503, a 5xx, no answer): say so, keep
  // playing what is buffered, and try again soon with the newest position. The viewer's
  // sign-in outlives the outage; nothing is lost but the reports while it lasts.
  var reconnecting = false;
  var retryTimer = null;

  function setReconnecting(on) {
    reconnecting = on;
    var notice = document.getElementById("player-reconnecting");
    if (notice) { notice.hidden = !on; }
  }

  function retryAfter(response) {
    var seconds = response && parseInt(response.headers.get("Retry-After"), 10);
    return (seconds > 0 && seconds < 60 ? seconds : 3) * 1000;
  }

  function whenAway(retry, response) {
    setReconnecting(true);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(retry, retryAfter(response));
  }

  function answered(retry) {
    return function (response) {
      if (response.ok) { if (reconnecting) { setReconnecting(false); } return null; }
      if (response.status === 429 || response.status >= 500) { whenAway(retry, response); return null; }
      return stopIfRefused(response);
    };
  }

  function heartbeat(event) {
    if (!session || ended) { return; }
    var errors = pendingErrors.splice(0);
    var again = function () { heartbeat(video.paused ? "pause" : "tick"); };
    post(url(root.dataset.heartbeatUrl, session.session_id),
      { position_seconds: position(), event: event, at: Date.now(), errors: errors })
      .then(function (response) {
        if (!response.ok) { pendingErrors = pendingErrors.concat(errors); }
        return answered(again)(response);
      })
      .catch(function () { pendingErrors = pendingErrors.concat(errors); whenAway(again); });
  }

  function renewToken() {
    if (!session || ended) { return; }
    post(url(root.dataset.tokenUrl, session.session_id))
      .then(answered(renewToken))
      .catch(function () { whenAway(renewToken); });
  }

  function stopTimers() {
    clearTimeout(retryTimer);
    setReconnecting(false);
    clearInterval(heartbeatTimer);
    clearInterval(tokenTimer);
  }

  function leave(reason) {
    if (!session || ended) { return; }
    ended = true;
    stopTimers();
    // One beacon: the last position travels with the end, so it cannot arrive too late.
    var fields = { reason: reason, position_seconds: String(position()), at: String(Date.now()) };
    if (pendingErrors.length) { fields.errors = pendingErrors.join(","); }
    beacon(url(root.dataset.endUrl, session.session_id), fields);
  }

  // The server chose the track to show (playback/caption_choice.py: the profile's language,
  // else the editor's default, else none); show exactly that one. The viewer may change it
  // from the player's menu afterwards, and that choice stands for this viewing.
  function addCaptions(captions, selected) {
    captionChoice = selected || null;
    lastCaption = captionChoice || defaultCaption(captions);
    captions.forEach(function (caption) {
      var track = document.createElement("track");
      track.kind = "subtitles";
      track.label = caption.label;
      track.srclang = caption.language_code;
      track.src = caption.url;
      if (caption.language_code === selected) { track["default"] = true; }
      video.appendChild(track);
    });
    buildCaptionsMenu(captions);
    function apply() { showCaption(captionChoice); }
    // Not at once: Chromium's automatic selection runs after the tracks are added and, once
    // any track shows, turns on the first track no script has set (a second file fetched,
    // two tracks showing). The default attribute above makes it pick ours; this is the
    // backstop once the media is known.
    video.addEventListener("loadedmetadata", apply, { once: true });
  }

  function sameLanguage(lang, wanted) {
    return !!lang && lang.toLowerCase().split("-")[0] === wanted;
  }

  // The profile's audio language, where the stream has renditions in several languages;
  // otherwise (or with no match) the stream's own default stays.
  function chooseAudio(wanted) {
    if (!wanted) { return; }
    if (hls) {
      var pick = function () {
        for (var i = 0; i < hls.audioTracks.length; i++) {
          if (sameLanguage(hls.audioTracks[i].lang, wanted)) {
            if (hls.audioTrack !== i) { hls.audioTrack = i; }
            return;
          }
        }
      };
      hls.once(window.Hls.Events.AUDIO_TRACKS_UPDATED, pick);
      return;
    }
    video.addEventListener("loadedmetadata", function () {
      var tracks = video.audioTracks;
      if (!tracks || tracks.length < 2) { return; }
      var match = -1;
      for (var i = 0; i < tracks.length && match < 0; i++) {
        if (sameLanguage(tracks[i].language, wanted)) { match = i; }
      }
      if (match < 0) { return; }
      for (var j = 0; j < tracks.length; j++) { tracks[j].enabled = j === match; }
    }, { once: true });
  }

  // After an episode: what plays next (the page names it, playback/next_episode.py). With
  // autoplay on, a countdown the viewer can skip or cancel; off (or cancelled), a button.
  var NEXT_COUNTDOWN_SECONDS = 5;
  var nextTimer = null;
  var nextCancelled = false;
  var nextPanel = document.getElementById("player-next");
  var nextPlay = document.getElementById("player-next-play");
  var nextCancel = document.getElementById("player-next-cancel");

  // Also called by player_markers.js when the credits start (window.portalPlayer). True when
  // there is a next episode to offer.
  function showNextEpisode() {
    var nextUrl = root.dataset.nextUrl;
    if (!nextPanel || !nextUrl) { return false; }
    if (!nextPanel.hidden) { return true; }
    nextPanel.hidden = false;
    nextPlay.focus();
    if (root.dataset.autoplayNext !== "true" || nextCancelled) { return true; }
    var seconds = NEXT_COUNTDOWN_SECONDS;
    var shown = document.getElementById("player-next-seconds");
    shown.textContent = String(seconds);
    nextTimer = setInterval(function () {
      seconds -= 1;
      shown.textContent = String(Math.max(0, seconds));
      if (seconds <= 0) {
        clearInterval(nextTimer);
        window.location.assign(nextUrl);
      }
    }, 1000);
    return true;
  }

  // Playing again (a seek back from the end) takes the offer away until the next end.
  function withdrawNext() {
    if (!nextPanel || nextPanel.hidden) { return; }
    clearInterval(nextTimer);
    if (nextPanel.contains(document.activeElement)) { root.focus({ preventScroll: true }); }
    nextPanel.hidden = true;
  }

  if (nextCancel) {
    nextCancel.addEventListener("click", function () {
      nextCancelled = true;
      clearInterval(nextTimer);
      document.getElementById("player-next-heading").textContent = "Next episode";
      nextPlay.textContent = "Next episode";
      nextCancel.hidden = true;
      nextPlay.focus();
    });
  }

  // The browser's own HLS where it is complete (Safari: audio tracks, AirPlay) or where
  // hls.js is absent; hls.js where it was installed and the browser's own HLS cannot switch
  // renditions (Chromium's has no audio tracks).
  function attach(playlist) {
    var native = !!video.canPlayType("application/vnd.apple.mpegurl");
    var hlsJs = !!(window.Hls && window.Hls.isSupported());
    if (native && (!hlsJs || video.audioTracks)) {
      video.src = playlist;
      return true;
    }
    if (hlsJs) {
      hls = new window.Hls({
        // A minute and a half ahead at most (hls.js's own cap is ten): a viewer who stops
        // early has not pulled minutes of video nobody watches through the CDN.
        maxMaxBufferLength: 90,
        xhrSetup: function (xhr) { xhr.withCredentials = true; }
      });
      hls.on(window.Hls.Events.ERROR, function (_, data) {
        if (data.fatal) { pendingErrors.push("hls_" + data.type); showError("media_error"); }
      });
      hls.on(window.Hls.Events.AUDIO_TRACKS_UPDATED, buildAudioMenu);
      hls.on(window.Hls.Events.AUDIO_TRACK_SWITCHED, buildAudioMenu);
      hls.loadSource(playlist);
      hls.attachMedia(video);
      return true;
    }
    return false;
  }

  function drmSupported() {
    if (!navigator.requestMediaKeySystemAccess) { return Promise.resolve(false); }
    var config = [{ initDataTypes: ["cenc"], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }] }];
    var systems = ["com.widevine.alpha", "com.microsoft.playready", "com.apple.fps.1_0"];
    return systems.reduce(function (found, system) {
      return found.then(function (ok) {
        return ok || navigator.requestMediaKeySystemAccess(system, config).then(
          function () { return true; }, function () { return false; });
      });
    }, Promise.resolve(false));
  }

  function begin(data) {
    session = data;
    if (data.duration_seconds > 0) { knownDuration = data.duration_seconds; showTime(); }
    addCaptions(data.captions, data.selected_caption);
    if (!attach(data.playlist_url)) {
      showError("hls_unsupported");
      leave("closed");
      return;
    }
    chooseAudio(data.audio_language);
    video.addEventListener("loadedmetadata", function () {
      if (data.resume_seconds > 0 && data.resume_seconds < video.duration - 5) {
        video.currentTime = data.resume_seconds;
      }
      var attempt = video.play();
      if (attempt && attempt.catch) { attempt.catch(function () { /* autoplay refused: the play button shows */ }); }
    }, { once: true });
    heartbeatTimer = setInterval(function () {
      if (!video.paused && !video.ended) { heartbeat("tick"); }
    }, data.heartbeat_seconds * 1000);
    tokenTimer = setInterval(renewToken, data.token_renew_seconds * 1000);
    announceStart(data);
  }

  // --- The player's own controls ------------------------------------------------------------
  // Our bar over the video rather than the browser's: the same on every browser, with the
  // captions and audio menus the portal knows about, shortcuts, and touch gestures.
  var SKIP_SECONDS = 10;
  var HIDE_AFTER_MS = 3000;
  var DOUBLE_TAP_MS = 300;
  var controls = document.getElementById("player-controls");
  var seek = document.getElementById("player-seek");
  var playedFill = document.getElementById("player-seek-played");
  var bufferedFill = document.getElementById("player-seek-buffered");
  var playButton = document.getElementById("player-play");
  var muteButton = document.getElementById("player-mute");
  var volume = document.getElementById("player-volume");
  var fullscreenButton = document.getElementById("player-fullscreen");
  var captionsButton = document.getElementById("player-captions-button");
  var captionsMenu = document.getElementById("player-captions-menu");
  var audioWrap = document.getElementById("player-audio-wrap");
  var audioButton = document.getElementById("player-audio-button");
  var audioMenu = document.getElementById("player-audio-menu");
  var knownDuration = 0;
  var scrubbing = false;
  var captionChoice = null;   // the language shown now, null for off
  var lastCaption = null;     // what "c" turns back on
  var hideTimer = null;

  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function duration() {
    return isFinite(video.duration) && video.duration > 0 ? video.duration : knownDuration;
  }

  function showTime() {
    var total = duration();
    var now = scrubbing ? parseFloat(seek.value) : video.currentTime || 0;
    seek.max = String(total || 0);
    if (!scrubbing) { seek.value = String(now); }
    seek.setAttribute("aria-valuetext", clock(now) + " of " + clock(total));
    document.getElementById("player-current").textContent = clock(now);
    document.getElementById("player-duration").textContent = clock(total);
    playedFill.style.width = (total ? Math.min(100, 100 * now / total) : 0) + "%";
    var buffered = 0;
    for (var i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= now + 0.5) { buffered = Math.max(buffered, video.buffered.end(i)); }
    }
    bufferedFill.style.width = (total ? Math.min(100, 100 * buffered / total) : 0) + "%";
  }

  function seekTo(seconds) {
    var total = duration();
    video.currentTime = Math.max(0, total ? Math.min(seconds, total - 0.1) : seconds);
    showTime();
  }

  function skip(seconds) { seekTo((video.currentTime || 0) + seconds); }

  function togglePlay() {
    if (video.paused || video.ended) {
      var attempt = video.play();
      if (attempt && attempt.catch) { attempt.catch(function () { /* not ready yet */ }); }
    } else {
      video.pause();
    }
  }

  function showPlayState() {
    var playing = !video.paused && !video.ended;
    root.classList.toggle("is-paused", !playing);
    playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
    revealControls();
  }

  function setVolume(level) {
    video.volume = Math.max(0, Math.min(1, Math.round(level * 100) / 100));
    video.muted = video.volume === 0;
  }

  function showVolume() {
    var silent = video.muted || video.volume === 0;
    root.classList.toggle("is-muted", silent);
    muteButton.setAttribute("aria-label", silent ? "Unmute" : "Mute");
    volume.value = String(video.muted ? 0 : video.volume);
    volume.setAttribute("aria-valuetext", (video.muted ? 0 : Math.round(video.volume * 100)) + "%");
  }

  function toggleMute() {
    if (video.muted || video.volume === 0) {
      if (video.volume === 0) { video.volume = 0.5; }
      video.muted = false;
    } else {
      video.muted = true;
    }
  }

  function fullscreenElement() { return document.fullscreenElement || document.webkitFullscreenElement || null; }

  function toggleFullscreen() {
    if (fullscreenElement()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
      return;
    }
    if (root.requestFullscreen) {
      var asked = root.requestFullscreen();
      if (asked && asked.catch) { asked.catch(function () { /* refused: stay as we are */ }); }
    } else if (root.webkitRequestFullscreen) {
      root.webkitRequestFullscreen();
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen();  // iPhone: only the video element may go fullscreen
    }
  }

  function showFullscreen() {
    var on = !!fullscreenElement();
    root.classList.toggle("is-fullscreen", on);
    fullscreenButton.setAttribute("aria-label", on ? "Exit fullscreen" : "Enter fullscreen");
  }

  // Controls: shown on any pointer movement, hidden after a while of none while playing,
  // never hidden while paused, while a menu is open, or while the keyboard is inside them.
  function keyboardInside() {
    try {
      return !!root.querySelector(".player-top :focus-visible, .player-controls :focus-visible");
    } catch (error) {  // a browser without :focus-visible: any focus inside counts
      return controls.contains(document.activeElement);
    }
  }

  function keepControls() {
    return video.paused || video.ended || !captionsMenu.hidden || !audioMenu.hidden ||
      keyboardInside() || root.classList.contains("is-scrubbing");
  }

  function hideControls() {
    clearTimeout(hideTimer);
    if (keepControls()) { return; }
    root.classList.add("controls-hidden");
  }

  function revealControls() {
    root.classList.remove("controls-hidden");
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hideControls, HIDE_AFTER_MS);
  }

  // --- Menus (captions, audio): role=menu of menuitemradio buttons -------------------------
  function menuItems(menu) { return Array.prototype.slice.call(menu.querySelectorAll("[role=menuitemradio]")); }

  function openMenu(menu, button) {
    closeMenus();
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    var items = menuItems(menu);
    var checked = items.filter(function (item) { return item.getAttribute("aria-checked") === "true"; })[0];
    (checked || items[0]).focus();
    revealControls();
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

  // Audio: hls.js's renditions, or the browser's own audio tracks (Safari), when 2 or more.
  function audioChoices() {
    var choices = [];
    var i;
    if (hls) {
      for (i = 0; i < hls.audioTracks.length; i++) {
        choices.push({ label: hls.audioTracks[i].name || hls.audioTracks[i].lang || "Track " + (i + 1), on: hls.audioTrack === i });
      }
    } else if (video.audioTracks) {
      for (i = 0; i < video.audioTracks.length; i++) {
        var track = video.audioTracks[i];
        choices.push({ label: track.label || track.language || "Track " + (i + 1), on: track.enabled });
      }
    }
    return choices;
  }

  function chooseAudioTrack(index) {
    if (hls) { hls.audioTrack = index; return; }
    for (var j = 0; j < video.audioTracks.length; j++) { video.audioTracks[j].enabled = j === index; }
  }

  function buildAudioMenu() {
    var choices = audioChoices();
    var open = !audioMenu.hidden;
    audioWrap.hidden = choices.length < 2;
    if (choices.length < 2) { closeMenu(audioMenu, audioButton, false); return; }
    audioMenu.textContent = "";
    choices.forEach(function (choice, index) {
      menuItem(audioMenu, choice.label, choice.on, function () { chooseAudioTrack(index); });
    });
    if (open) { openMenu(audioMenu, audioButton); }
  }

  wireMenu(captionsMenu, captionsButton);
  wireMenu(audioMenu, audioButton);
  document.addEventListener("pointerdown", function (event) {
    if (!event.target.closest || !event.target.closest(".player-menu-wrap")) { closeMenus(); }
  });

  // --- Buttons, seek bar, volume ------------------------------------------------------------
  playButton.addEventListener("click", togglePlay);
  document.getElementById("player-rewind").addEventListener("click", function () { skip(-SKIP_SECONDS); });
  document.getElementById("player-forward").addEventListener("click", function () { skip(SKIP_SECONDS); });
  muteButton.addEventListener("click", toggleMute);
  fullscreenButton.addEventListener("click", toggleFullscreen);
  document.getElementById("player-state").addEventListener("click", togglePlay);

  seek.addEventListener("input", function () {
    scrubbing = true;
    root.classList.add("is-scrubbing");
    showTime();
    video.currentTime = parseFloat(seek.value);
  });
  seek.addEventListener("change", function () {
    scrubbing = false;
    root.classList.remove("is-scrubbing");
    showTime();
  });
  // The slider's own arrow keys would move by a hair; ±5 s (PageUp/PageDown a minute) instead.
  seek.addEventListener("keydown", function (event) {
    var by = { ArrowLeft: -5, ArrowRight: 5, ArrowDown: -5, ArrowUp: 5, PageDown: -60, PageUp: 60 }[event.key];
    if (by) { event.preventDefault(); event.stopPropagation(); skip(by); return; }
    if (event.key === "Home") { event.preventDefault(); seekTo(0); }
    if (event.key === "End") { event.preventDefault(); seekTo(duration()); }
  });
  volume.addEventListener("input", function () { setVolume(parseFloat(volume.value)); });

  ["timeupdate", "durationchange", "progress", "loadedmetadata", "seeking"].forEach(function (name) {
    video.addEventListener(name, showTime);
  });
  ["play", "pause", "ended", "playing"].forEach(function (name) { video.addEventListener(name, showPlayState); });
  video.addEventListener("volumechange", showVolume);
  video.addEventListener("loadedmetadata", buildAudioMenu);
  if (video.audioTracks && video.audioTracks.addEventListener) {
    video.audioTracks.addEventListener("addtrack", buildAudioMenu);
    video.audioTracks.addEventListener("change", buildAudioMenu);
  }
  document.addEventListener("fullscreenchange", showFullscreen);
  document.addEventListener("webkitfullscreenchange", showFullscreen);

  // --- Pointer and touch --------------------------------------------------------------------
  // A mouse click on the picture plays or pauses; a tap shows or hides the controls, and a
  // double tap on the left or right half skips back or forward.
  var lastTap = 0;
  var tapTimer = null;
  root.addEventListener("pointermove", function (event) {
    if (event.pointerType !== "touch") { revealControls(); }
  });
  root.addEventListener("mouseleave", hideControls);
  root.addEventListener("focusin", revealControls);
  video.addEventListener("pointerup", function (event) {
    if (event.pointerType === "mouse") { togglePlay(); return; }
    var now = Date.now();
    if (now - lastTap < DOUBLE_TAP_MS) {
      clearTimeout(tapTimer);
      lastTap = 0;
      var box = video.getBoundingClientRect();
      skip(event.clientX < box.left + box.width / 2 ? -SKIP_SECONDS : SKIP_SECONDS);
      revealControls();
      return;
    }
    lastTap = now;
    tapTimer = setTimeout(function () {
      if (root.classList.contains("controls-hidden")) { revealControls(); } else { hideControls(); }
    }, DOUBLE_TAP_MS);
  });
  video.addEventListener("dblclick", function (event) { event.preventDefault(); toggleFullscreen(); });

  // --- Keyboard -----------------------------------------------------------------------------
  function typing(target) {
    if (!target || !target.closest) { return false; }
    if (target.isContentEditable || target.closest("textarea, select")) { return true; }
    return target.tagName === "INPUT" && target.type !== "range";
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(target) || (target.closest && target.closest("[role=menu]"))) { return; }
    // Space and Enter on a focused button or link press it; the page's shortcut would repeat it.
    var pressable = target.closest && target.closest("button, a");
    var onVolume = target === volume;
    var handled = true;
    switch (event.key) {
      case " ":
      case "Spacebar":
        if (pressable) { return; }
        togglePlay();
        break;
      case "k": case "K": togglePlay(); break;
      case "ArrowLeft": if (onVolume) { return; } skip(event.shiftKey ? -5 : -SKIP_SECONDS); break;
      case "ArrowRight": if (onVolume) { return; } skip(event.shiftKey ? 5 : SKIP_SECONDS); break;
      case "ArrowUp": if (onVolume) { return; } video.muted = false; setVolume(video.volume + 0.1); break;
      case "ArrowDown": if (onVolume) { return; } setVolume(video.volume - 0.1); break;
      case "f": case "F": toggleFullscreen(); break;
      case "c": case "C": toggleCaptions(); break;
      case "m": case "M": toggleMute(); break;
      case "Escape": closeMenus(); handled = false; break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); revealControls(); }
  });

  // --- What other scripts build on (player_markers.js, player_trickplay.js) ------------------
  var started = null;
  var startCallbacks = [];

  function onStart(callback) {
    if (started) { callback(started); } else { startCallbacks.push(callback); }
  }

  function announceStart(data) {
    started = data;
    startCallbacks.splice(0).forEach(function (callback) { callback(data); });
    root.dispatchEvent(new CustomEvent("player:started", { detail: data }));
  }

  window.portalPlayer = {
    video: video,
    root: root,
    overlays: document.getElementById("player-overlays"),
    showNextEpisode: showNextEpisode,
    onStart: onStart,
    engine: function () { return hls ? "hls.js" : "native"; },
    levels: function () { return hls ? hls.levels.length : 0; },
    chooseLevel: function (index) { if (hls) { hls.currentLevel = index; } },
    level: function () { return hls ? hls.currentLevel : -1; }
  };

  showPlayState();
  showVolume();
  showFullscreen();
  showTime();

  video.addEventListener("pause", function () { if (!video.ended) { heartbeat("pause"); } });
  video.addEventListener("play", function () { root.classList.add("is-playing"); withdrawNext(); });
  video.addEventListener("pause", function () { root.classList.remove("is-playing"); });
  video.addEventListener("seeked", function () { heartbeat("seek"); });
  video.addEventListener("ended", function () { heartbeat("ended"); leave("ended"); showNextEpisode(); });
  video.addEventListener("error", function () {
    if (ended) { return; }
    var code = video.error ? "media_err_" + video.error.code : "media_err";
    pendingErrors.push(code);
    heartbeat("tick");
    showError("media_error");
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && session && !ended) {
      beacon(url(root.dataset.heartbeatUrl, session.session_id),
        { position_seconds: String(position()), event: "hidden", at: String(Date.now()) });
    }
  });
  window.addEventListener("pagehide", function () { leave("closed"); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { window.location.reload(); } });

  post(root.dataset.startUrl, {})
    .then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    })
    .then(function (result) {
      if (!result.ok) { showError(result.data.error.code, result.data.error.message); return; }
      if (!result.data.drm_required) { begin(result.data); return; }
      drmSupported().then(function (ok) {
        if (ok) { begin(result.data); } else { session = result.data; showError("drm_unsupported"); leave("closed"); }
      });
    })
    .catch(function () { showError("network"); });
}());
