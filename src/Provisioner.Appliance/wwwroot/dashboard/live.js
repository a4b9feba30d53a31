// Live parts of the dashboard: Server-Sent Events from /api/v1 update progress bars, states and logs in place.
(function () {
  "use strict";

  function text(el, value) { if (el) { el.textContent = value; } }
  function pct(v) { return (Math.round((v || 0) * 10) / 10).toString(); }
  function bytes(b) {
    if (b === null || b === undefined) { return ""; }
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return (Math.round(b * 10) / 10) + " " + u[i];
  }
  function setBadge(el, prefix, state) {
    if (!el) { return; }
    el.className = el.className.split(" ").filter(function (c) { return c.indexOf(prefix) !== 0; }).join(" ") + " " + prefix + state;
    el.textContent = state;
  }

  // Job page: one job's steps, progress and log.
  var jobHead = document.querySelector("[data-live=job]");
  if (jobHead) {
    var jobId = jobHead.getAttribute("data-job-id");
    var source = new EventSource("/api/v1/jobs/" + jobId + "/events");
    var stepRow = function (index) { return document.querySelector("tr[data-step-index='" + index + "']"); };
    var updateStep = function (s) {
      var row = stepRow(s.index);
      if (!row) { return; }
      var p = s.state === "succeeded" ? 100 : (s.percent || 0);
      row.className = "ss-" + s.state;
      setBadge(row.querySelector("[data-field=state]"), "ss-", s.state);
      row.querySelector("[data-field=bar]").style.width = pct(p) + "%";
      text(row.querySelector("[data-field=percent]"), pct(p) + "%");
      var detail = s.error || s.message || "";
      if (s.bytesTotal) { detail += " · " + bytes(s.bytesDone) + " / " + bytes(s.bytesTotal) + (s.bytesPerSecond ? " · " + (Math.round(s.bytesPerSecond / 1e5) / 10) + " MB/s" : ""); }
      text(row.querySelector("[data-field=detail]"), detail);
    };
    var updateJob = function (state, overall, error) {
      setBadge(document.getElementById("job-state"), "js-", state);
      if (overall !== undefined) {
        document.getElementById("job-bar").style.width = pct(overall) + "%";
        text(document.getElementById("job-percent"), pct(overall) + "%");
      }
      var active = state === "pending" || state === "running";
      var cancel = document.getElementById("cancel-form"), retry = document.getElementById("retry-form");
      if (cancel) { cancel.hidden = !active; }
      if (retry) { retry.hidden = !(state === "failed" || state === "cancelled"); }
      var err = document.getElementById("job-error");
      if (err) { err.hidden = !error; text(err, error || ""); }
    };
    var overallFromRows = function () {
      var rows = document.querySelectorAll("tr[data-step-index]"), sum = 0;
      rows.forEach(function (r) { sum += parseFloat(r.querySelector("[data-field=bar]").style.width) || 0; });
      return rows.length ? sum / rows.length : 0;
    };
    source.addEventListener("snapshot", function (e) {
      var job = JSON.parse(e.data);
      job.steps.forEach(updateStep);
      updateJob(job.state, job.percent, job.error);
      if (job.state !== "pending" && job.state !== "running") { source.close(); }
    });
    source.addEventListener("step", function (e) {
      var ev = JSON.parse(e.data);
      updateStep(ev.step);
      updateJob(ev.jobState, overallFromRows());
    });
    source.addEventListener("job", function (e) { var ev = JSON.parse(e.data); updateJob(ev.jobState); });
    source.addEventListener("log", function (e) {
      var ev = JSON.parse(e.data), log = document.getElementById("job-log");
      if (!log || log.querySelector("[data-log-id='" + ev.log.id + "']")) { return; }
      var line = document.createElement("span");
      line.className = "lv-" + ev.log.level;
      line.setAttribute("data-log-id", ev.log.id);
      line.textContent = ev.log.at.replace("T", " ").substring(0, 19) + " [" + (ev.log.stepIndex + 1) + "] " + ev.log.text + "\n";
      var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.appendChild(line);
      if (atEnd) { log.scrollTop = log.scrollHeight; }
    });
  }

  // Jobs list: state and progress of the rows shown; a new job reloads the page (at most every 3 s).
  var jobsTable = document.querySelector("[data-live=jobs]");
  if (jobsTable) {
    var reloadAt = 0;
    var jobs = new EventSource("/api/v1/events?topics=jobs");
    var onJobEvent = function (e) {
      var ev = JSON.parse(e.data), row = jobsTable.querySelector("tr[data-job-id='" + ev.jobId + "']");
      if (!row) {
        if (e.type === "job" && Date.now() > reloadAt) { reloadAt = Date.now() + 3000; setTimeout(function () { location.reload(); }, 500); }
        return;
      }
      setBadge(row.querySelector("[data-field=state]"), "js-", ev.jobState);
      if (ev.step) { text(row.querySelector("[data-field=step]"), ev.step.name); }
      if (ev.jobState === "succeeded") { row.querySelector("[data-field=bar]").style.width = "100%"; }
    };
    jobs.addEventListener("job", onJobEvent);
    jobs.addEventListener("step", onJobEvent);
  }

  // Racks, node list and node page: node state and power colours.
  var nodesView = document.querySelector("[data-live=nodes]") || document.querySelector(".head[data-node-id]");
  if (nodesView) {
    var nodes = new EventSource("/api/v1/events?topics=nodes");
    nodes.addEventListener("node", function (e) {
      var n = JSON.parse(e.data);
      document.querySelectorAll("[data-node-id='" + n.id + "']").forEach(function (el) {
        if (el.classList.contains("slot")) {
          el.className = el.className.split(" ").filter(function (c) { return c.indexOf("st-") !== 0; }).join(" ") + " st-" + n.state + " flash-change";
          text(el.querySelector(".state"), n.state);
          var pw = el.querySelector(".pw");
          if (pw) { pw.className = "pw pw-" + n.powerState; }
          el.title = n.hostname + " · " + n.state + " · power " + n.powerState;
        } else {
          setBadge(el.querySelector("[data-field=state]") || document.getElementById("node-state"), "st-", n.state);
        }
      });
    });
  }

  // Rack filter: highlight matching nodes, dim the rest.
  var filter = document.getElementById("rack-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      document.querySelectorAll(".slot[data-search]").forEach(function (el) {
        var hit = q.length > 0 && el.getAttribute("data-search").toLowerCase().indexOf(q) >= 0;
        el.classList.toggle("hit", hit);
        el.classList.toggle("dim", q.length > 0 && !hit);
      });
    });
  }

  // Calls to the API from scripts carry the page's anti-forgery token.
  window.provisionerApi = function (method, url, body) {
    return fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "RequestVerificationToken": document.querySelector("meta[name=csrf-token]").content },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, status: r.status, body: j }; }, function () { return { ok: r.ok, status: r.status, body: null }; }); });
  };
})();
