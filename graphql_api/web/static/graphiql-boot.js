// Starts GraphiQL with the explorer plugin against this app's /graphql (HTTP and WebSocket).
"use strict";
(function () {
  const EXAMPLE = `# cityledger GraphQL API. Ctrl-Enter runs the query.
# A bearer token goes in the Headers tab: {"Authorization": "Bearer …"}
{
  editions { editionId title publications { publicationNo position } }
}
`;
  const params = new URLSearchParams(window.location.search);
  const url = window.location.origin + window.location.pathname;
  const wsUrl = url.replace(/^http/, "ws");
  const fetcher = GraphiQL.createFetcher({ url: url, subscriptionUrl: wsUrl });
  // A token the web page signed in with is offered to GraphiQL too (same browser session).
  const token = window.sessionStorage.getItem("cityledger.token");
  const startHeaders = token ? JSON.stringify({ Authorization: "Bearer " + token }, null, 2) : undefined;

  function App() {
    const [query, setQuery] = React.useState(params.get("q") || EXAMPLE);
    const explorer = GraphiQLPluginExplorer.explorerPlugin();
    function onEditQuery(next) {
      setQuery(next);
      const search = new URLSearchParams(window.location.search);
      search.set("q", next);
      history.replaceState(null, "", "?" + search.toString());
    }
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorer],
      query: query,
      headers: startHeaders,
      onEditQuery: onEditQuery,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
    });
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
})();
