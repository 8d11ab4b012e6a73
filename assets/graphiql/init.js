/*
 * Boot script for caregraph's self-hosted GraphiQL page (/graphiql).
 *
 * It lives in its own file, not inline in index.html, because the page is
 * served with a CSP of script-src 'self': inline <script> would be blocked.
 *
 * Globals come from the scripts loaded before this file (all "defer", in order):
 *   React                  <- react.production.min.js
 *   ReactDOM               <- react-dom.production.min.js
 *   GraphiQL               <- graphiql.min.js (reads window.React and window.ReactDOM)
 *   GraphiQLPluginExplorer <- graphiql-plugin-explorer.umd.js (reads window.React,
 *                             GraphiQL.React, the @graphiql/react bundled in GraphiQL, and
 *                             GraphiQL.GraphQL, its graphql-js: one copy of each, so the
 *                             plugin shares GraphiQL's editor and schema state)
 *   caregraphExamples      <- examples.js (the article's questions, docs/queries.md)
 */
(function () {
  'use strict';

  // The first tab, also the query of tabs opened with "+". Lines stay short: the
  // editor is half the window wide, less with Docs or the Explorer open.
  var WELCOME = [
    '# Welcome to caregraph. Run a query with the',
    '# run button or Ctrl-Enter. The other tabs hold',
    "# the article's questions: open one, run it.",
    '#',
    '# Content teams: open Headers (below) and add',
    '#   {"Authorization": "Bearer <token>"}',
    '# Tokens: caregraph token create --name <you>',
    '#   --role editor',
    '# Headers stay with their tab; for all tabs set',
    "#   localStorage.caregraphToken = '<token>'",
    '# in the browser console and reload.',
    'query Welcome {',
    '  condition(slug: "epidural-related-back-pain") {',
    '    name',
    '    symptoms { name }',
    '    treatments { name }',
    '  }',
    '}'
  ].join('\n');

  // GraphiQL keeps its tabs in localStorage and restores them on later visits, so
  // defaultTabs only shapes a first visit (or one after "Clear storage" in Settings).
  // A user who closed the example tabs gets them back that way.
  var tabs = [{ query: WELCOME }].concat(
    window.caregraphExamples.map(function (lines) {
      return { query: lines.join('\n') };
    })
  );

  // Links such as /graphiql?query=%7B...%7D can prefill the editor.
  // It is passed as GraphiQL's `query` prop because default tabs are ignored once
  // tabs are stored: `query` makes GraphiQL open (or switch to) a tab holding exactly
  // this text. On a first visit only the default tabs count, hence the extra first tab.
  var params = new URLSearchParams(window.location.search);
  var urlQuery = params.get('query');
  if (urlQuery !== null) {
    tabs.unshift({ query: urlQuery });
  }

  // Optional bearer token for every request from every tab (see WELCOME), read once
  // at load time. Access is guarded because localStorage throws when storage is
  // disabled (e.g. some privacy modes).
  var token = null;
  try {
    token = window.localStorage.getItem('caregraphToken');
  } catch (e) {
    token = null;
  }

  var headers = {};
  if (token) {
    headers.Authorization = 'Bearer ' + token;
  }

  // Same-origin relative URL: satisfies CSP connect-src 'self' and works behind
  // any host name or reverse proxy without configuration.
  // Subscriptions go over a WebSocket to the same /graphql (graphql-transport-ws, the
  // graphql-ws client bundled in GraphiQL); the token travels in connection_init.
  var wsScheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: wsScheme + window.location.host + '/graphql',
    wsConnectionParams: token ? { Authorization: 'Bearer ' + token } : {},
    headers: headers
  });

  var props = {
    fetcher: fetcher,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    // Show the variables/headers pane open by default.
    defaultEditorToolsVisibility: true,
    defaultQuery: WELCOME,
    defaultTabs: tabs
  };
  if (urlQuery !== null) {
    props.query = urlQuery;
  }

  // React 18 root API (ReactDOM.render is legacy in React 18).
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, props));
})();
