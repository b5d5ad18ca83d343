/* The dashboard's one script: draws every chart, copies the report text, submits switchers.
 *
 * Figures come from <script type="application/json"> elements written by Django's json_script;
 * each chart container names its figure in data-figure. plotly.js is served from our own
 * static files (static/vendor), so nothing is fetched from another host.
 */
(function () {
  "use strict";

  var PLOT_CONFIG = { displayModeBar: false, responsive: true, displaylogo: false };

  function drawCharts() {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    var containers = document.querySelectorAll("[data-figure]");
    Array.prototype.forEach.call(containers, function (container) {
      var source = document.getElementById(container.getAttribute("data-figure"));
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(container, figure.data, figure.layout, PLOT_CONFIG).then(function () {
        container.setAttribute("data-drawn", "true");
      });
    });
  }

  // The printable width of an A4 page with the print stylesheet's margins, in CSS pixels.
  var PRINT_WIDTH = 700;

  function eachChart(callback) {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-drawn]"), callback);
  }

  // Plotly's own resize waits for a timer, too late for the print snapshot: relayout at once.
  function fitChartsToPaper() {
    eachChart(function (chart) {
      window.Plotly.relayout(chart, { width: Math.min(PRINT_WIDTH, chart.clientWidth || PRINT_WIDTH) });
    });
  }

  function fitChartsToScreen() {
    eachChart(function (chart) {
      window.Plotly.relayout(chart, { width: null, autosize: true });
    });
  }

  function textOf(element) {
    var paragraphs = element.querySelectorAll("p");
    if (!paragraphs.length) {
      return element.innerText.trim();
    }
    return Array.prototype.map
      .call(paragraphs, function (p) { return p.textContent.trim(); })
      .join("\n");
  }

  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function setUpCopyButtons() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
      var original = button.textContent;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy"));
        if (!target) {
          return;
        }
        var text = textOf(target);
        var copying = navigator.clipboard && window.isSecureContext
          ? navigator.clipboard.writeText(text)
          : copyWithSelection(text);
        copying.then(function () {
          button.textContent = button.getAttribute("data-copied-label") || original;
          button.classList.add("is-done");
          window.setTimeout(function () {
            button.textContent = original;
            button.classList.remove("is-done");
          }, 2500);
        }, function () {
          var range = document.createRange();
          range.selectNodeContents(target);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        });
      });
    });
  }

  function setUpSwitchers() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-autosubmit]"), function (select) {
      select.addEventListener("change", function () {
        select.form.submit();
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    setUpCopyButtons();
    setUpSwitchers();
  });
  window.addEventListener("beforeprint", fitChartsToPaper);
  window.addEventListener("afterprint", fitChartsToScreen);
})();
