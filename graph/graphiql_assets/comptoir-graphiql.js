// comptoir's GraphiQL: the page's JSON config gives the example query and the headers to
// start from; everything is fetched from the page's own origin.
(function () {
  "use strict";

  var config = JSON.parse(
    document.getElementById("comptoir-graphiql-config").textContent,
  );

  // A query and variables shared by link (?query=…&variables=…) win over the example.
  var parameters = new URLSearchParams(window.location.search);

  function updateURL(name, value) {
    if (value) {
      parameters.set(name, value);
    } else {
      parameters.delete(name);
    }
    var search = parameters.toString();
    history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }

  var fetcher = GraphiQL.createFetcher({
    url: window.location.origin + window.location.pathname,
  });

  // Made once: a new plugin object on every render would remount the explorer.
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  function ComptoirGraphiQL() {
    var query = React.useState(parameters.get("query") || config.exampleQuery);
    var variables = React.useState(parameters.get("variables") || undefined);
    var headers = React.useState(config.headers);

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      query: query[0],
      variables: variables[0],
      headers: headers[0],
      defaultQuery: config.exampleQuery,
      defaultHeaders: config.headers,
      onEditQuery: function (value) {
        query[1](value);
        updateURL("query", value === config.exampleQuery ? "" : value);
      },
      onEditVariables: function (value) {
        variables[1](value);
        updateURL("variables", value);
      },
      onEditHeaders: function (value) {
        headers[1](value);
      },
      // Opened on the Headers tab: every request needs its X-Channel-Key.
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(ComptoirGraphiQL),
  );
})();
