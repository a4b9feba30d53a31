// Template editor: validate and preview the unsaved text through the API (cookie + anti-forgery token).
(function () {
  "use strict";
  var editor = document.querySelector("[data-template]");
  if (!editor) { return; }
  var name = editor.getAttribute("data-template"), kind = editor.getAttribute("data-kind");
  var content = document.getElementById("template-content"), issues = document.getElementById("issues");
  var output = document.getElementById("preview-output");

  function showIssues(list) {
    issues.innerHTML = "";
    (list || []).forEach(function (i) {
      var li = document.createElement("li");
      li.className = i.severity;
      li.textContent = (i.line ? "line " + i.line + (i.column ? ":" + i.column : "") + ": " : "") + i.message;
      issues.appendChild(li);
    });
  }
  function problem(r) { return (r.body && (r.body.detail || r.body.title)) || ("HTTP " + r.status); }

  document.getElementById("validate").addEventListener("click", function () {
    window.provisionerApi("POST", "/api/v1/templates/validate", { name: name, kind: kind, content: content.value }).then(function (r) {
      if (!r.ok) { showIssues([{ severity: "error", message: problem(r) }]); return; }
      showIssues(r.body.issues);
      if (r.body.valid) { var li = document.createElement("li"); li.id = "valid"; li.textContent = "Valid."; issues.appendChild(li); }
    });
  });
  document.getElementById("preview").addEventListener("click", function () {
    var node = document.getElementById("preview-node").value;
    window.provisionerApi("POST", "/api/v1/templates/preview", { name: name, kind: kind, content: content.value, nodeId: node }).then(function (r) {
      if (!r.ok) { output.textContent = problem(r); return; }
      output.textContent = r.body.rendered;
      showIssues(r.body.issues);
    });
  });
})();
