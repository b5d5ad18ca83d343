/* The month grid's unit picker: filters the list as one types. Without this script the
 * search box still works as a plain GET search (the server filters the same way). */
(function () {
  "use strict";

  // As core/text.py's search_key: lower case, no Vietnamese marks, đ as d, spaces squeezed.
  function searchKey(text) {
    return text
      .toLowerCase()
      .replace(/đ/g, "d")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .split(/\s+/)
      .filter(Boolean)
      .join(" ");
  }

  function filterUnits(input) {
    var list = document.querySelector("[data-unit-list]");
    var empty = document.querySelector("[data-unit-empty]");
    if (!list) {
      return;
    }
    var needle = searchKey(input.value);
    var shown = 0;
    Array.prototype.forEach.call(list.querySelectorAll("li[data-search]"), function (item) {
      var match = !needle || item.getAttribute("data-search").indexOf(needle) !== -1;
      item.hidden = !match;
      shown += match ? 1 : 0;
    });
    if (empty) {
      empty.hidden = shown > 0;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("[data-unit-search]");
    if (input) {
      input.addEventListener("input", function () { filterUnits(input); });
    }
  });
})();
