/*
 * Boot script for caregraph's self-hosted GraphiQL page (/graphiql).
 *
 * It lives in its own file, not inline in index.html, because the page is
 * served with a CSP of script-src 'self': inline <script> would be blocked.
 *
 * Globals come from the UMD builds loaded before this file (all "defer", in order):
 *   React     <- react.production.min.js
 *   ReactDOM  <- react-dom.production.min.js
 *   GraphiQL  <- graphiql.min.js (its UMD wrapper reads only window.React and
 *                window.ReactDOM; no other global or plugin is needed)
 */
(function () {
  'use strict';

  // Shown on a first visit. GraphiQL keeps its tabs in localStorage, so on later
  // visits the user's own last tabs are restored instead of this text.
  var DEFAULT_QUERY = [
    '# Welcome to caregraph. Press the run button (or Ctrl-Enter).',
    '{',
    '  condition(slug: "epidural-related-back-pain") {',
    '    name',
    '    symptoms { name }',
    '    treatments { name }',
    '  }',
    '}'
  ].join('\n');

  // Links such as /graphiql?query=%7B...%7D can prefill the editor.
  // It is passed as GraphiQL's `query` prop (not just `defaultQuery`) because
  // `defaultQuery` is ignored once tabs are stored in localStorage; `query`
  // makes GraphiQL open (or switch to) a tab holding exactly this text.
  var params = new URLSearchParams(window.location.search);
  var urlQuery = params.get('query');

  // Optional bearer token, set by hand in the browser console:
  //   localStorage.caregraphToken = '<token>'   (then reload)
  // It is read once at load time. Access is guarded because localStorage
  // throws when storage is disabled (e.g. some privacy modes).
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
  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    headers: headers
  });

  var props = {
    fetcher: fetcher,
    // Show the variables/headers pane open by default.
    defaultEditorToolsVisibility: true,
    defaultQuery: urlQuery !== null ? urlQuery : DEFAULT_QUERY
  };
  if (urlQuery !== null) {
    props.query = urlQuery;
  }

  // React 18 root API (ReactDOM.render is legacy in React 18).
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, props));
})();
