// selfassess serve: progressive enhancement only. Without this script every page still works
// (the upload form posts, a running job's page refreshes itself).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var csrfMeta = document.querySelector('meta[name="csrf"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- Upload: drag and drop or pick; each file sent on its own and answered at once -------
  function uploadOne(file, list) {
    var item = el("li", "pending");
    var name = el("strong", "", file.name);
    var note = el("span", "message", " sending…");
    var bar = el("progress");
    bar.max = 100; bar.value = 0;
    item.appendChild(name); item.appendChild(note); item.appendChild(bar);
    list.appendChild(item);
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrf", csrf);
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/upload");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
      };
      xhr.onload = function () {
        bar.remove();
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (body && body.results && body.results.length) {
          var r = body.results[0];
          item.className = r.accepted ? "ok" : "refused";
          note.textContent = ": " + (r.accepted ? "Accepted. " : "Refused. ") + r.message;
        } else {
          item.className = "refused";
          note.textContent = ": Refused. " + ((body && body.error) || ("The page answered " + xhr.status + "."));
        }
        resolve();
      };
      xhr.onerror = function () {
        bar.remove();
        item.className = "refused";
        note.textContent = ": not sent (is selfassess serve still running?)";
        resolve();
      };
      xhr.send(data);
    });
  }

  function uploadAll(files, list) {
    var chain = Promise.resolve();
    Array.prototype.forEach.call(files, function (file) {
      chain = chain.then(function () { return uploadOne(file, list); });
    });
    return chain;
  }

  var form = document.getElementById("upload");
  if (form) {
    var input = document.getElementById("files");
    var list = document.getElementById("results");
    input.addEventListener("change", function () {
      if (input.files.length) uploadAll(input.files, list).then(function () { input.value = ""; });
    });
    ["dragenter", "dragover"].forEach(function (type) {
      form.addEventListener(type, function (e) { e.preventDefault(); form.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      form.addEventListener(type, function (e) { e.preventDefault(); form.classList.remove("over"); });
    });
    form.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) uploadAll(e.dataTransfer.files, list);
    });
  }

  // ---- A running job: poll its progress, then show the result page -------------------------
  var job = document.querySelector(".job[data-running=yes]");
  if (job) {
    var id = job.getAttribute("data-job");
    var step = job.querySelector(".step");
    var bar2 = job.querySelector("progress");
    var poll = function () {
      fetch("/jobs/" + id + ".json", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (!j.running) { window.location.reload(); return; }
          step.textContent = j.step + (j.total ? ": " + j.done + " of " + j.total : "");
          if (j.total) { bar2.max = j.total; bar2.value = j.done; }
          setTimeout(poll, 500);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }
})();
