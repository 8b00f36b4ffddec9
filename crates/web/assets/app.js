// Comply360 portal: the little behaviour pages need beyond HTML (every page works without it).
"use strict";
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";

  // htmx requests carry the page's CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = token;
  });

  // The pay page while a payment is being confirmed ([data-confirming]="seconds"): look again
  // every so often and reload only once the answer has changed, so the page never refreshes
  // under the reader for nothing (without script, "Check again now" does the same).
  var confirming = document.querySelector("[data-confirming]");
  if (confirming && window.fetch) {
    var every = (parseInt(confirming.getAttribute("data-confirming"), 10) || 5) * 1000;
    var look = function () {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (html.indexOf("data-confirming") === -1) window.location.reload();
          else window.setTimeout(look, every);
        })
        .catch(function () { window.setTimeout(look, every); });
    };
    window.setTimeout(look, every);
  }

  // Forms that destroy something ask first (data-confirm="…").
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      e.preventDefault();
    }
  });

  // The account menu closes on Escape and on a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.account-menu[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (e) {
    closeMenus(e.target.closest ? e.target.closest("details.account-menu") : null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") closeMenus(null);
  });
  // A wizard step saves itself a moment after a change (htmx, with "autosave"). Each save
  // moves the registration to a new version, and a save that names an older one is refused as
  // stale, so the step's own buttons must not race an autosave: once a button posts the form,
  // autosaves still waiting are dropped (the post carries the same fields), and a post made
  // while an autosave is under way waits for its answer, which brings the new version, and
  // then goes.
  var autosaving = new Set();
  var waiting = new Map();
  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = e.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    if (form.dataset.posting) {
      e.preventDefault();
      return;
    }
    autosaving.add(form);
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (!autosaving.delete(form) || !waiting.has(form)) return;
    var submitter = waiting.get(form);
    waiting.delete(form);
    form.requestSubmit(submitter || undefined);
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("hx-post") || e.defaultPrevented) return;
    form.dataset.posting = "1";
    if (autosaving.has(form)) {
      e.preventDefault();
      waiting.set(form, e.submitter);
    }
  });

  // Uploads (form[data-upload]): a file dropped on the drop zone goes into its file input;
  // the form is sent by XHR with a progress bar. Done: to the page the server names (the
  // notice with it). Refused: the server's words beside the file field. Without script the
  // form is a plain multipart POST.
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) return;
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) {
        e.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
    });
  });

  function showUploadError(form, message) {
    var error = form.querySelector(".dropzone .field-error");
    var zone = form.querySelector(".dropzone");
    if (!error || !zone) return;
    error.textContent = message;
    error.hidden = false;
    zone.classList.add("has-error");
    var input = zone.querySelector("input[type=file]");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-upload") || !window.FormData) return;
    e.preventDefault();
    var bar = form.querySelector(".upload-progress");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("HX-Request", "true");
    if (bar) {
      bar.value = 0;
      bar.hidden = false;
    }
    if (button) button.disabled = true;
    xhr.upload.addEventListener("progress", function (p) {
      if (bar && p.lengthComputable) bar.value = Math.round((p.loaded / p.total) * 100);
    });
    xhr.addEventListener("load", function () {
      if (xhr.getResponseHeader("HX-Refresh")) {
        // The session needs a navigation to refresh: reload, then try again.
        window.location.reload();
        return;
      }
      var to = xhr.getResponseHeader("HX-Redirect");
      if (xhr.status < 400 && to) {
        window.location.assign(to);
        return;
      }
      if (button) button.disabled = false;
      if (bar) bar.hidden = true;
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var found = page.querySelector(".dropzone .field-error:not([hidden])") || page.querySelector(".field-error") || page.querySelector("main p");
      showUploadError(form, found ? found.textContent.trim() : "The upload failed. Try again.");
    });
    xhr.addEventListener("error", function () {
      if (button) button.disabled = false;
      if (bar) bar.hidden = true;
      showUploadError(form, "The upload was interrupted. Check your connection and try again.");
    });
    xhr.send(new FormData(form));
  });
})();
