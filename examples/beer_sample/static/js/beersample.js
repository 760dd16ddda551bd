/*
 * The beer-sample app's script (no libraries): the search boxes of the beer and brewery
 * listings filter their table as you type, through /beers/search or /breweries/search
 * (JSON rows of the by_name views in the prefix range [value, value + STRING_RANGE_END]);
 * and Delete buttons ask before they delete.
 */
(function () {
  "use strict";

  function cell(content) {
    var td = document.createElement("td");
    if (content) { td.appendChild(content); }
    return td;
  }

  function link(href, text, className) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (className) { a.className = className; }
    return a;
  }

  function deleteButton(action) {
    var form = document.createElement("form");
    form.className = "inline";
    form.method = "post";
    form.action = action;
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "btn btn-small btn-danger";
    button.textContent = "Delete";
    form.appendChild(button);
    return form;
  }

  function actions(kind, id) {
    var span = document.createElement("span");
    span.appendChild(link("/" + kind + "/edit/" + encodeURIComponent(id), "Edit", "btn btn-small btn-warning"));
    span.appendChild(document.createTextNode(" "));
    span.appendChild(deleteButton("/" + kind + "/delete/" + encodeURIComponent(id)));
    return span;
  }

  var ROWS = {
    "beer-search": function (item) {
      var tr = document.createElement("tr");
      tr.appendChild(cell(link("/beers/show/" + encodeURIComponent(item.id), item.name)));
      tr.appendChild(cell(link("/breweries/show/" + encodeURIComponent(item.brewery), "To Brewery")));
      tr.appendChild(cell(actions("beers", item.id)));
      return tr;
    },
    "brewery-search": function (item) {
      var tr = document.createElement("tr");
      tr.appendChild(cell(link("/breweries/show/" + encodeURIComponent(item.id), item.name)));
      tr.appendChild(cell(actions("breweries", item.id)));
      return tr;
    }
  };

  function setUpSearch(input) {
    var makeRow = ROWS[input.id];
    var table = document.getElementById(input.id.replace("-search", "-table"));
    if (!makeRow || !table) { return; }
    var tbody = table.tBodies[0];
    var pager = document.getElementById("next-page");
    var status = document.createElement("p");
    status.className = "search-status";
    status.setAttribute("aria-live", "polite");
    table.parentNode.insertBefore(status, table);
    var latest = 0;

    function search() {
      var asked = ++latest;
      var url = input.getAttribute("data-search-url") + "?value=" + encodeURIComponent(input.value);
      fetch(url, { headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (asked !== latest) { return; }  // an answer to an older keystroke
          while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
          data.forEach(function (item) { tbody.appendChild(makeRow(item)); });
          if (pager) { pager.style.display = input.value ? "none" : ""; }
          status.textContent = input.value ? data.length + " found starting with \u201c" + input.value + "\u201d" : "";
          table.setAttribute("data-search-done", input.value);
        })
        .catch(function (error) {
          if (asked === latest) { status.textContent = "Search failed: " + error.message; }
        });
    }

    input.addEventListener("input", search);
    if (input.value) { search(); }  // a listing opened as /beers?q=... starts filtered
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-search-url]"), setUpSearch);
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (/\/delete\//.test(form.getAttribute("action") || "") &&
          !window.confirm("Delete " + decodeURIComponent(form.getAttribute("action").split("/").pop()) + "?")) {
        event.preventDefault();
      }
    });
  });
})();
