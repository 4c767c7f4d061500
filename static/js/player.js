/* The portal's player: starts a viewing session, plays HLS (natively where the browser can,
   with hls.js where it was installed), resumes, reports its position, renews its stream
   token, and says in plain words what went wrong. No framework, no CDN.

   What the viewer touches is built on window.portalPlayer by the scripts after this one:
   player_menus.js (captions and audio), player_controls.js (the bar, keys, touch),
   player_markers.js (skip intro, credits, "still watching") and player_trickplay.js. */
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
  // else the editor's default, else none): its track is marked default, so that Chromium's
  // automatic selection picks ours; the captions menu (player_menus.js) shows exactly that one
  // once the media is known, and the viewer may change it there.
  function addCaptions(captions, selected) {
    captions.forEach(function (caption) {
      var track = document.createElement("track");
      track.kind = "subtitles";
      track.label = caption.label;
      track.srclang = caption.language_code;
      track.src = caption.url;
      if (caption.language_code === selected) { track["default"] = true; }
      video.appendChild(track);
    });
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

  // The menus (player_menus.js) rebuild the audio menu on this event.
  function announceAudio() { root.dispatchEvent(new CustomEvent("player:audio")); }

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
      hls.on(window.Hls.Events.AUDIO_TRACKS_UPDATED, announceAudio);
      hls.on(window.Hls.Events.AUDIO_TRACK_SWITCHED, announceAudio);
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

  // --- What the other scripts build on (see the top) -----------------------------------------
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
    level: function () { return hls ? hls.currentLevel : -1; },
    audioChoices: audioChoices,
    chooseAudioTrack: chooseAudioTrack
  };

  video.addEventListener("pause", function () { if (!video.ended) { heartbeat("pause"); } });
  video.addEventListener("play", function () { root.classList.add("is-playing"); withdrawNext(); });
  video.addEventListener("pause", function () { root.classList.remove("is-playing"); });
  video.addEventListener("seeked", function () { heartbeat("seek"); });
  video.addEventListener("ended", function () { heartbeat("ended"); leave("ended"); showNextEpisode(); });
  video.addEventListener("loadedmetadata", announceAudio);
  if (video.audioTracks && video.audioTracks.addEventListener) {
    video.audioTracks.addEventListener("addtrack", announceAudio);
    video.audioTracks.addEventListener("change", announceAudio);
  }
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
