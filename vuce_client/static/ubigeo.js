// Departamento -> Provincia -> Distrito cascade; without JS the "Actualizar lista" button
// reloads the form on the server instead.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function fill(select, items) {
    select.length = 1;
    items.forEach(function (it) {
      var opt = document.createElement("option");
      opt.value = it.code;
      opt.textContent = it.name;
      select.appendChild(opt);
    });
  }
  function load(url, select) {
    return fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { fill(select, items); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-ubigeo]");
    if (!box) { return; }
    var dept = box.querySelector("#department");
    var prov = box.querySelector("#province");
    var dist = box.querySelector("#ubigeo");
    dept.addEventListener("change", function () {
      fill(prov, []); fill(dist, []);
      if (dept.value) { load("/api/ubigeo/provincias/" + encodeURIComponent(dept.value), prov); }
    });
    prov.addEventListener("change", function () {
      fill(dist, []);
      if (prov.value) { load("/api/ubigeo/distritos/" + encodeURIComponent(prov.value), dist); }
    });
  });
})();
