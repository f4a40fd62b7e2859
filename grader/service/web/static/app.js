// dlgrader dashboard: small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Live status while a submission is graded: poll its JSON, reload the page once it is done.
  var live = document.querySelector("[data-status-url]");
  if (live) {
    var text = live.querySelector("[data-status-text]");
    var poll = function () {
      fetch(live.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) { setTimeout(poll, 3000); return; }
          if (body.status === "completed") { window.location.reload(); return; }
          if (text) { text.textContent = body.status === "running" ? "Grading in the sandbox…" : "Queued for grading…"; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 800);
  }

  // The submit form: a new task's starter fills the editor unless the code was edited.
  var task = document.getElementById("task");
  var code = document.getElementById("code");
  if (task && code) {
    var starterOf = function (id) {
      var t = document.getElementById("starter-" + id);
      return t ? t.content.textContent : "";
    };
    var last = starterOf(task.value);
    task.addEventListener("change", function () {
      if (code.value.trim() === "" || code.value === last) {
        last = starterOf(task.value);
        code.value = last;
      }
    });
  }

  // Copy buttons (share links, invitation links).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) { return; }
      input.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(input.value); }
      button.textContent = "Copied";
    });
  });

  // Confirm the bulk regrade (the server does not need it; it only saves a slip).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
})();
