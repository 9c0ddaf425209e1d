/* The ftzkg query page: YASGUI on this server's endpoint, the example questions, and the
 * endpoint's errors (syntax with line and column, timeout, truncation) as readable messages.
 * Configuration comes from the page's JSON block; nothing is loaded from another origin. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("ftzkg-query-page-config").textContent);
  const statusBox = document.getElementById("query-status");
  const endpointPath = new URL(config.endpoint, window.location.href).pathname;

  /* YASGUI reports a failed request as the body text only; the status and the truncation
   * header are read here, on the way past, to explain what happened. */
  let lastResponse = null;
  const originalFetch = window.fetch.bind(window);
  window.fetch = async function (input, init) {
    const response = await originalFetch(input, init);
    const url = new URL(typeof input === "string" ? input : input.url, window.location.href);
    if (url.pathname === endpointPath) {
      lastResponse = {
        status: response.status,
        maxRows: response.headers.get("X-SPARQL-MaxRows"),
        body: response.ok ? "" : await response.clone().text(),
      };
    }
    return response;
  };

  function showStatus(kind, title, detail) {
    statusBox.hidden = false;
    statusBox.className = "status-" + kind;
    statusBox.replaceChildren();
    const heading = document.createElement("strong");
    heading.textContent = title;
    statusBox.appendChild(heading);
    if (detail) {
      const text = document.createElement("pre");
      text.className = "status-detail";
      text.textContent = detail;
      statusBox.appendChild(text);
    }
  }

  function clearStatus() {
    statusBox.hidden = true;
    statusBox.replaceChildren();
  }

  function explain(response) {
    if (!response) {
      showStatus("error", "The endpoint did not answer.", "Is the server still running?");
      return;
    }
    const body = response.body.trim();
    if (response.status === 400) {
      // "at line 3, column 14" (ftzkg) or "at 3:14" (pyoxigraph's own wording)
      const where = body.match(/line (\d+)\D+column (\d+)/i) || body.match(/\bat (\d+):(\d+)/);
      const title = where
        ? `The query is not valid SPARQL (line ${where[1]}, column ${where[2]}).`
        : "The endpoint refused the query.";
      showStatus("error", title, body);
    } else if (response.status === 503) {
      showStatus("error", "The query took too long and was stopped (503).", body);
    } else if (response.status === 413) {
      showStatus("error", "The query text is too long for this endpoint (413).", body);
    } else if (response.status >= 400) {
      showStatus("error", `The endpoint answered ${response.status}.`, body);
    } else if (response.maxRows) {
      showStatus(
        "warning",
        `Only the first ${response.maxRows} rows are shown: the result was cut at the endpoint's row limit.`,
        "Add a LIMIT or narrow the query to see the rest."
      );
    } else {
      clearStatus();
    }
  }

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: {
      endpoint: config.endpoint,
      method: "POST",
      acceptHeaderGraph: "text/turtle",
      acceptHeaderSelect: "application/sparql-results+json",
    },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { value: config.initialQuery },
  });

  yasgui.on("queryBefore", function () {
    lastResponse = null;
    clearStatus();
  });
  yasgui.on("queryResponse", function (instance, tab) {
    explain(lastResponse);
    const queryType = tab.getYasqe().getQueryType();
    if (queryType === "CONSTRUCT" || queryType === "DESCRIBE") {
      tab.getYasr().selectPlugin("response");
    }
  });

  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      const example = config.examples[Number(button.dataset.example)];
      const tab = yasgui.getTab();
      tab.setQuery(example.query);
      document.querySelectorAll("button.example").forEach((other) => other.classList.remove("active"));
      button.classList.add("active");
      tab.query();
    });
  });

  window.ftzkgYasgui = yasgui;
})();
