/*
 * The graph page (/explore): draws a node's neighbourhood from caregraph's GraphQL API with
 * cytoscape, and lets the reader click through it.
 *
 * A file of its own, not an inline script, because the page's CSP is script-src 'self'.
 * `window.cytoscape` comes from cytoscape.min.js, loaded before this file (both "defer").
 *
 * The page sends no token and no cookie: it shows what anonymous readers see, the published
 * graph. Every failure (HTTP, GraphQL errors, a missing script) is written into the page.
 *
 * `window.caregraphExplore` is for the browser test and for curious readers with a console:
 * the cytoscape instance (`cy`), the queries sent, and whether a request is in flight.
 */
(function () {
  'use strict';

  var DEFAULT_SLUG = 'postpartum-low-back-pain';
  var KIND_ORDER = ['CONDITION', 'CAUSE', 'SYMPTOM', 'RISK', 'TREATMENT'];

  // Every citation shows its words and where they come from.
  var CITATION = 'fragment ExploreCitation on Citation { quote source { title publisher url } }';

  var QUERIES = {
    // Slugs are unique across all kinds, but the API looks them up per kind: ask all five
    // at once, at most one answers.
    start: [
      'query ExploreStart($slug: String!) {',
      '  condition(slug: $slug) { id }',
      '  cause(slug: $slug) { id }',
      '  symptom(slug: $slug) { id }',
      '  risk(slug: $slug) { id }',
      '  treatment(slug: $slug) { id }',
      '}'
    ].join('\n'),
    // One request draws a whole neighbourhood, details included: a click then needs no
    // request of its own.
    neighborhood: [
      'query ExploreNeighborhood($id: ID!) {',
      '  neighborhood(id: $id, depth: 1) {',
      '    truncated',
      '    nodes { depth node { id kind slug name summary synonyms',
      '      citations { ...ExploreCitation } } }',
      '    edges { id predicate negated place timing circumstance howTo note',
      '      subject { id } object { id }',
      '      citations { ...ExploreCitation } }',
      '  }',
      '}',
      CITATION
    ].join('\n'),
    search: [
      'query ExploreSearch($text: String!) {',
      '  search(text: $text, first: 10) {',
      '    matchedAnyWord',
      '    edges { snippet node { id kind slug name } }',
      '  }',
      '}'
    ].join('\n')
  };

  var explore = {
    cy: null,
    queries: QUERIES,
    // Id of the node the picture is centred on.
    root: null,
    // GraphQL requests in flight.
    pending: 0,
    // True once the first picture is drawn.
    ready: false,
    // The last error shown in the page, or null.
    error: null,
    // The node or link the side panel describes.
    shown: null
  };
  window.caregraphExplore = explore;

  var els = {
    graph: document.getElementById('graph'),
    panel: document.getElementById('panel'),
    error: document.getElementById('error'),
    status: document.getElementById('status'),
    search: document.getElementById('search'),
    searchText: document.getElementById('search-text'),
    results: document.getElementById('search-results')
  };

  // ---- Errors: always shown, never swallowed ---------------------------------------------

  function showError(err) {
    var message = err && err.message ? err.message : String(err);
    explore.error = message;
    els.error.textContent = message;
    els.error.hidden = false;
    setStatus('Something went wrong: see the message above.');
  }

  function clearError() {
    explore.error = null;
    els.error.textContent = '';
    els.error.hidden = true;
  }

  window.addEventListener('error', function (event) {
    showError(event.error || event.message);
  });
  window.addEventListener('unhandledrejection', function (event) {
    showError(event.reason);
  });

  function setStatus(text) {
    els.status.textContent = text;
  }

  // ---- The API ----------------------------------------------------------------------------

  function gql(query, variables) {
    explore.pending += 1;
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ query: query, variables: variables }),
      // Anonymous on purpose: the page shows the published graph only.
      credentials: 'omit'
    })
      .then(function (resp) {
        return resp.text().then(function (body) {
          var json = null;
          try {
            json = JSON.parse(body);
          } catch (e) {
            json = null;
          }
          var errors = json && Array.isArray(json.errors) ? json.errors : [];
          if (errors.length > 0) {
            throw new Error('The API answered with ' + (errors.length === 1 ? 'an error' : errors.length + ' errors') + ':\n' +
              errors.map(function (e) {
                var code = e.extensions && e.extensions.code ? ' [' + e.extensions.code + ']' : '';
                return '• ' + e.message + code;
              }).join('\n'));
          }
          if (!resp.ok || !json || !json.data) {
            throw new Error('The API answered HTTP ' + resp.status + ' ' + resp.statusText + ': ' + body.slice(0, 300));
          }
          return json.data;
        });
      }, function (err) {
        throw new Error('Cannot reach the API (POST /graphql): ' + err.message);
      })
      .finally(function () {
        explore.pending -= 1;
      });
  }

  function startId() {
    var params = new URLSearchParams(window.location.search);
    var id = params.get('id');
    if (id) {
      return Promise.resolve(id);
    }
    var slug = params.get('slug') || DEFAULT_SLUG;
    return gql(QUERIES.start, { slug: slug }).then(function (data) {
      var found = KIND_ORDER.map(function (k) { return data[k.toLowerCase()]; })
        .filter(Boolean)[0];
      if (!found) {
        throw new Error('No published node has the slug “' + slug + '”.');
      }
      return found.id;
    });
  }

  // ---- Drawing ------------------------------------------------------------------------------

  // The legend's swatches hold the colours (explore.css), so legend and drawing agree.
  var kindColour = {};
  KIND_ORDER.forEach(function (kind) {
    var swatch = document.querySelector('.legend .kind-' + kind);
    kindColour[kind] = swatch ? window.getComputedStyle(swatch).backgroundColor : '#888';
  });
  var rootStyle = window.getComputedStyle(document.documentElement);
  var DENIED = rootStyle.getPropertyValue('--denied').trim() || '#b00020';
  var LINE = rootStyle.getPropertyValue('--line').trim() || '#8a8a8a';

  function words(enumValue) {
    return enumValue.toLowerCase().replace(/_/g, ' ');
  }

  // "caused by", or "not caused by" for a link the source denies.
  function linkLabel(link) {
    return (link.negated ? 'not ' : '') + words(link.predicate);
  }

  function kindRank(kind) {
    var i = KIND_ORDER.indexOf(kind);
    return i < 0 ? KIND_ORDER.length : i;
  }

  function nodeData(node, level) {
    return {
      id: node.id,
      kind: node.kind,
      slug: node.slug,
      name: node.name,
      summary: node.summary,
      synonyms: node.synonyms || [],
      citations: node.citations || [],
      colour: kindColour[node.kind] || '#888',
      level: level
    };
  }

  function edgeData(link) {
    return {
      id: link.id,
      source: link.subject.id,
      target: link.object.id,
      predicate: link.predicate,
      negated: link.negated,
      label: linkLabel(link),
      place: link.place,
      timing: link.timing,
      circumstance: link.circumstance,
      howTo: link.howTo,
      note: link.note,
      citations: link.citations || []
    };
  }

  var STYLE = [
    {
      selector: 'node',
      style: {
        'background-color': 'data(colour)',
        width: 24,
        height: 24,
        label: 'data(name)',
        'font-size': 13,
        color: '#1d1d1f',
        'text-valign': 'bottom',
        'text-margin-y': 4,
        'text-wrap': 'wrap',
        'text-max-width': 110,
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-background-padding': 1
      }
    },
    {
      selector: 'node.root',
      style: {
        width: 38,
        height: 38,
        'border-width': 3,
        'border-color': '#1d1d1f',
        'font-size': 14,
        'font-weight': 'bold'
      }
    },
    {
      selector: 'node:selected',
      style: { 'border-width': 4, 'border-color': '#ffb000', 'overlay-opacity': 0 }
    },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        'line-color': LINE,
        'target-arrow-color': LINE,
        'target-arrow-shape': 'triangle',
        'curve-style': 'bezier',
        label: 'data(label)',
        'font-size': 11,
        color: '#3c4043',
        'text-rotation': 'autorotate',
        'text-background-color': '#fcfcfd',
        'text-background-opacity': 0.9,
        'text-background-padding': 1
      }
    },
    {
      selector: 'edge.denied',
      style: {
        width: 2.5,
        'line-style': 'dashed',
        'line-dash-pattern': [7, 4],
        'line-color': DENIED,
        'target-arrow-color': DENIED,
        color: DENIED,
        'font-size': 12,
        'font-weight': 'bold'
      }
    },
    {
      selector: 'edge:selected',
      style: { width: 4, 'overlay-opacity': 0 }
    }
  ];

  function makeCy() {
    if (typeof window.cytoscape !== 'function') {
      throw new Error('cytoscape.min.js did not load: the graph cannot be drawn.');
    }
    var cy = window.cytoscape({
      container: els.graph,
      style: STYLE,
      minZoom: 0.2,
      maxZoom: 3,
      boxSelectionEnabled: false
    });
    cy.on('tap', 'node', function (event) {
      showNode(event.target);
    });
    cy.on('tap', 'edge', function (event) {
      showEdge(event.target);
    });
    cy.on('dbltap', 'node', function (event) {
      expand(event.target);
    });
    return cy;
  }

  // Room for one wrapped label between neighbours on a ring, and between rings.
  var RING_SPACING = 120;
  var RING_GAP = 170;

  // Around the ring: conditions (usually the hubs) at the top, then causes, symptoms, risks
  // and treatments, back to the conditions. Nodes linked to others of their ring sit at the
  // end of their group nearest the conditions, so fewer links cut across the picture.
  function orderRing(nodes) {
    var ids = {};
    nodes.forEach(function (n) { ids[n.id()] = true; });
    function ringLinks(n) {
      return n.neighborhood('node').filter(function (m) { return ids[m.id()]; }).length;
    }
    function byName(a, b) {
      return a.data('name').localeCompare(b.data('name'));
    }
    var groups = KIND_ORDER.map(function (kind) {
      return nodes.filter(function (n) { return n.data('kind') === kind; }).sort(byName);
    });
    var other = nodes.filter(function (n) { return kindRank(n.data('kind')) === KIND_ORDER.length; });
    var linkedFirst = function (a, b) { return (ringLinks(b) > 0) - (ringLinks(a) > 0); };
    groups[KIND_ORDER.indexOf('CAUSE')].sort(linkedFirst);
    groups[KIND_ORDER.indexOf('TREATMENT')].sort(function (a, b) { return linkedFirst(b, a); });
    return { nodes: [].concat.apply([], groups).concat(other), top: groups[0].length };
  }

  // Rings around the centre, one per distance, stretched to the shape of the drawing area.
  function layoutRings(cy) {
    var aspect = Math.min(1.8, Math.max(0.6, cy.width() / Math.max(1, cy.height())));
    // Ramanujan's ellipse perimeter for semi-axes (aspect, 1).
    var perimeterPerUnit = Math.PI * (3 * (aspect + 1) - Math.sqrt((3 * aspect + 1) * (aspect + 3)));
    var levels = {};
    cy.nodes().forEach(function (n) {
      (levels[n.data('level')] = levels[n.data('level')] || []).push(n);
    });
    var positions = {};
    var inner = 0;
    Object.keys(levels).map(Number).sort(function (a, b) { return a - b; }).forEach(function (level) {
      var ring = orderRing(levels[level]);
      var count = ring.nodes.length;
      if (level === 0 && count === 1) {
        positions[ring.nodes[0].id()] = { x: 0, y: 0 };
        return;
      }
      var b = Math.max(inner + RING_GAP, count * RING_SPACING / perimeterPerUnit);
      var step = 2 * Math.PI / count;
      var first = -Math.PI / 2 - (Math.max(ring.top, 1) - 1) * step / 2;
      ring.nodes.forEach(function (n, i) {
        var t = first + i * step;
        positions[n.id()] = { x: aspect * b * Math.cos(t), y: b * Math.sin(t) };
      });
      inner = b;
    });
    cy.layout({
      name: 'preset',
      positions: function (n) { return positions[n.id()]; },
      fit: false,
      animate: false
    }).run();
    fitAll(cy);
  }

  // Everything in view, but a graph of two or three nodes is not blown up to fill it.
  function fitAll(cy) {
    cy.fit(cy.elements(), 16);
    if (cy.zoom() > 1.25) {
      cy.zoom(1.25);
      cy.center();
    }
  }

  // Adds what is not drawn yet; returns the new nodes.
  function addNeighborhood(cy, hood, level) {
    var added = cy.collection();
    var fresh = hood.nodes.filter(function (n) { return cy.getElementById(n.node.id).empty(); });
    fresh.sort(function (a, b) {
      return kindRank(a.node.kind) - kindRank(b.node.kind) || a.node.name.localeCompare(b.node.name);
    });
    fresh.forEach(function (n) {
      added = added.union(cy.add({ group: 'nodes', data: nodeData(n.node, level + n.depth) }));
    });
    hood.edges.forEach(function (link) {
      // The API lists links among the listed nodes only; a link to a node that is not
      // drawn would make cytoscape throw, so it is left out rather than break the picture.
      var ends = cy.getElementById(link.subject.id).nonempty() && cy.getElementById(link.object.id).nonempty();
      if (ends && cy.getElementById(link.id).empty()) {
        var edge = cy.add({ group: 'edges', data: edgeData(link) });
        if (link.negated) {
          edge.addClass('denied');
        }
      }
    });
    return added;
  }

  function plural(count, noun) {
    return count + ' ' + noun + (count === 1 ? '' : 's');
  }

  function describe(cy) {
    var denied = cy.edges('.denied').length;
    var root = cy.getElementById(explore.root);
    return (root.nonempty() ? 'Centred on ' + root.data('name') + ': ' : '') +
      plural(cy.nodes().length, 'node') + ', ' + plural(cy.edges().length, 'link') +
      (denied ? ', ' + denied + ' denied (dashed)' : '') +
      '. Double-click a node to add its neighbours.';
  }

  function fetchNeighborhood(id) {
    return gql(QUERIES.neighborhood, { id: id }).then(function (data) {
      return data.neighborhood;
    });
  }

  // Draws the neighbourhood of `id` afresh, centred on it.
  function draw(id) {
    setStatus('Loading…');
    return fetchNeighborhood(id).then(function (hood) {
      clearError();
      if (!explore.cy) {
        explore.cy = makeCy();
      }
      var cy = explore.cy;
      explore.root = id;
      cy.batch(function () {
        cy.elements().remove();
        addNeighborhood(cy, hood, 0);
      });
      var root = cy.getElementById(id);
      root.addClass('root');
      layoutRings(cy);
      cy.elements().unselect();
      root.select();
      showNode(root);
      setStatus(describe(cy) + (hood.truncated ? ' The neighbourhood was cut: it is larger than the API returns at once.' : ''));
      explore.ready = true;
    });
  }

  // Adds the neighbours of a drawn node, on an arc beyond it (seen from the centre), and
  // leaves everything already drawn where it is.
  function expand(node) {
    setStatus('Adding the neighbours of ' + node.data('name') + '…');
    return fetchNeighborhood(node.id()).then(function (hood) {
      clearError();
      var cy = explore.cy;
      var added;
      cy.batch(function () {
        added = addNeighborhood(cy, hood, node.data('level'));
      });
      placeAround(cy, node, added);
      fitAll(cy);
      if (explore.shown && explore.shown.id() === node.id()) {
        showNode(node);
      }
      setStatus('Added ' + plural(added.length, 'node') + ' around ' +
        node.data('name') + '. ' + describe(cy));
    }).catch(showError);
  }

  function placeAround(cy, node, added) {
    var k = added.length;
    if (k === 0) {
      return;
    }
    var p = node.position();
    var c = cy.getElementById(explore.root).position();
    var angle = (p.x === c.x && p.y === c.y) ? -Math.PI / 2 : Math.atan2(p.y - c.y, p.x - c.x);
    var gap = 150; // room for a wrapped label between neighbours on the arc
    var radius = Math.max(220, (k - 1) * gap / Math.PI);
    var span = k > 1 ? Math.min(Math.PI, (k - 1) * gap / radius) : 0;
    added.forEach(function (n, i) {
      var a = angle - span / 2 + (k > 1 ? i * span / (k - 1) : 0);
      n.position({ x: p.x + radius * Math.cos(a), y: p.y + radius * Math.sin(a) });
    });
  }

  // ---- The side panel -----------------------------------------------------------------------

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) {
      e.className = className;
    }
    if (text !== undefined && text !== null) {
      e.textContent = text;
    }
    return e;
  }

  function citationsBlock(citations) {
    var box = el('div', 'citations');
    if (!citations.length) {
      box.appendChild(el('p', 'muted', 'No citation.'));
      return box;
    }
    citations.forEach(function (c) {
      box.appendChild(el('blockquote', 'quote', c.quote));
      var source = el('p', 'source', '— ');
      var s = c.source || {};
      if (s.url && /^https?:\/\//.test(s.url)) {
        var a = el('a', null, s.title);
        a.href = s.url;
        a.rel = 'noopener noreferrer';
        a.target = '_blank';
        source.appendChild(a);
      } else {
        source.appendChild(document.createTextNode(s.title || 'unknown source'));
      }
      if (s.publisher) {
        source.appendChild(document.createTextNode(', ' + s.publisher));
      }
      box.appendChild(source);
    });
    return box;
  }

  function attributes(edge) {
    var dl = el('dl');
    [
      ['place', edge.data('place') && words(edge.data('place'))],
      ['timing', edge.data('timing')],
      ['when', edge.data('circumstance')],
      ['how to', edge.data('howTo')],
      ['note', edge.data('note')]
    ].forEach(function (row) {
      if (row[1]) {
        dl.appendChild(el('dt', null, row[0]));
        dl.appendChild(el('dd', null, row[1]));
      }
    });
    return dl.children.length ? dl : null;
  }

  // "Postpartum low back pain — not caused by → Epidural"
  function sentence(edge) {
    var p = el('p', 'sentence');
    p.appendChild(el('strong', null, edge.source().data('name')));
    p.appendChild(el('span', edge.data('negated') ? 'denied-mark' : null, ' — ' + edge.data('label') + ' → '));
    p.appendChild(el('strong', null, edge.target().data('name')));
    return p;
  }

  function button(text, onClick) {
    var b = el('button', null, text);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  function showNode(node) {
    explore.shown = node;
    var panel = els.panel;
    panel.replaceChildren();
    var h = el('h2', 'node-name', node.data('name'));
    h.appendChild(el('span', 'kind', node.data('kind')));
    panel.appendChild(h);
    if (node.data('summary')) {
      panel.appendChild(el('p', 'summary', node.data('summary')));
    }
    if (node.data('synonyms').length) {
      panel.appendChild(el('p', 'muted', 'Also called: ' + node.data('synonyms').join(', ')));
    }
    panel.appendChild(button('Add its neighbours', function () { expand(node); }));
    if (node.id() !== explore.root) {
      panel.appendChild(button('Centre on it', function () { jump(node.id(), node.data('slug')); }));
    }
    panel.appendChild(el('h3', null, 'Citations'));
    panel.appendChild(citationsBlock(node.data('citations')));

    var edges = node.connectedEdges().sort(function (a, b) {
      return (b.data('negated') - a.data('negated')) || a.data('label').localeCompare(b.data('label'));
    });
    panel.appendChild(el('h3', null, 'Its links in this picture (' + edges.length + ')'));
    edges.forEach(function (edge) {
      var item = el('div', 'link-item');
      item.appendChild(sentence(edge));
      var attrs = attributes(edge);
      if (attrs) {
        item.appendChild(attrs);
      }
      item.appendChild(citationsBlock(edge.data('citations')));
      panel.appendChild(item);
    });
    panel.scrollTop = 0;
  }

  function showEdge(edge) {
    explore.shown = edge;
    var panel = els.panel;
    panel.replaceChildren();
    panel.appendChild(el('h2', null, edge.data('negated') ? 'Denied link' : 'Link'));
    panel.appendChild(sentence(edge));
    if (edge.data('negated')) {
      panel.appendChild(el('p', 'denied-mark', 'The source says this link does NOT hold.'));
    }
    var attrs = attributes(edge);
    if (attrs) {
      panel.appendChild(attrs);
    }
    panel.appendChild(el('h3', null, 'Citations'));
    panel.appendChild(citationsBlock(edge.data('citations')));
    panel.scrollTop = 0;
  }

  // ---- Search and moving around -------------------------------------------------------------

  function jump(id, slug) {
    var url = new URL(window.location.href);
    url.search = slug ? '?slug=' + encodeURIComponent(slug) : '?id=' + encodeURIComponent(id);
    window.history.pushState(null, '', url);
    return draw(id).catch(showError);
  }

  function hideResults() {
    els.results.hidden = true;
    els.results.replaceChildren();
  }

  els.search.addEventListener('submit', function (event) {
    // The form only collects the words: nothing is submitted (CSP form-action 'none').
    event.preventDefault();
    var text = els.searchText.value.trim();
    if (!text) {
      return;
    }
    gql(QUERIES.search, { text: text }).then(function (data) {
      clearError();
      var found = data.search.edges;
      els.results.replaceChildren();
      if (!found.length) {
        els.results.appendChild(el('li', 'none', 'Nothing found for “' + text + '”.'));
      }
      found.forEach(function (hit) {
        var b = el('button', null, hit.node.name);
        b.type = 'button';
        b.dataset.id = hit.node.id;
        b.dataset.slug = hit.node.slug;
        b.appendChild(el('span', 'kind', hit.node.kind));
        // The snippet marks matches with ** (plain text, never HTML).
        b.appendChild(el('span', 'snippet', hit.snippet.replace(/\*\*/g, '')));
        b.addEventListener('click', function () {
          hideResults();
          jump(hit.node.id, hit.node.slug);
        });
        var li = el('li');
        li.appendChild(b);
        els.results.appendChild(li);
      });
      els.results.hidden = false;
      var first = els.results.querySelector('button');
      if (first) {
        first.focus();
      }
    }).catch(showError);
  });

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') {
      hideResults();
    }
  });
  document.addEventListener('click', function (event) {
    if (!els.search.contains(event.target)) {
      hideResults();
    }
  });

  window.addEventListener('popstate', function () {
    startId().then(draw).catch(showError);
  });

  startId().then(draw).catch(showError);
})();
