//! Finding and exploring: full-text search, neighbourhoods, shortest paths, and ranking
//! conditions by symptoms.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::{CursorType, OpaqueCursor};
use async_graphql::{Context, ID, Object, Result};
use entity::{edge, node};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::service::graph::{self, MAX_NEIGHBORHOOD_DEPTH, MAX_PATH_DEPTH, WalkFilter};
use crate::domain::service::rank;
use crate::domain::service::search::{self, Match, SearchQuery};
use crate::graphql::context::state;
use crate::graphql::error::bad_input;
use crate::graphql::mutation::{gql, uuid};
use crate::graphql::types::explore::{
    CareAdvice, ConditionRanking, GraphPath, Neighborhood, NeighborhoodNode, Paths,
    RankedCondition, SearchConnection, SearchEdge, link_row,
};
use crate::graphql::types::{
    Condition, Content, Link, Node, NodeKind, PageInfo, Predicate, Symptom,
};

/// Results per search page when `first` is not given.
const DEFAULT_SEARCH_PAGE: i32 = 10;
/// Largest search page.
const MAX_SEARCH_PAGE: i32 = 50;
/// Results a search pages through at most: relevance past this is noise, and deep offsets
/// cost a scan.
const MAX_SEARCH_RESULTS: u64 = 500;
/// Most conditions a ranking returns.
const MAX_RANKED: i32 = 50;

#[derive(Default)]
pub struct ExploreQuery;

/// Where a search page starts: how the words combine and how many results came before.
#[derive(Serialize, Deserialize)]
struct SearchCursor {
    #[serde(rename = "a")]
    any: bool,
    #[serde(rename = "o")]
    offset: u64,
}

fn cursor(any: bool, offset: u64) -> String {
    OpaqueCursor(SearchCursor { any, offset }).encode_cursor()
}

fn bounded(field: &str, value: Option<i32>, default: i32, max: i32) -> Result<u64> {
    let value = value.unwrap_or(default);
    if !(0..=max).contains(&value) {
        return Err(bad_input(
            field,
            format!("must be between 0 and {max} (got {value})"),
        ));
    }
    Ok(u64::try_from(value).unwrap_or(0))
}

fn node(row: node::Model) -> Node {
    Node::from(Arc::new(row))
}

/// A link between two nodes already in hand.
fn link(e: &edge::Model, nodes: &HashMap<Uuid, Arc<node::Model>>) -> Option<Link> {
    Some(Link {
        edge: Arc::new(e.clone()),
        subject: nodes.get(&e.subject_id)?.clone(),
        object: nodes.get(&e.object_id)?.clone(),
    })
}

#[Object]
impl ExploreQuery {
    /// Full-text search over names, synonyms, summaries and citation quotes, best match
    /// first. Word forms match ("tingle" finds "tingling"); every word must match, and when
    /// no node has them all, any word may (`matchedAnyWord`).
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for, in plain words (1 to 200 characters).")] text: String,
        #[graphql(desc = "Only nodes of these kinds (all kinds when absent or empty).")]
        kinds: Option<Vec<NodeKind>>,
        #[graphql(desc = "Results per page, 0 to 50 (default 10).")] first: Option<i32>,
        #[graphql(desc = "`cursor` of the result after which to continue.")] after: Option<String>,
    ) -> Result<SearchConnection> {
        let state = state(ctx)?;
        let limit = bounded("first", first, DEFAULT_SEARCH_PAGE, MAX_SEARCH_PAGE)?;
        let kinds = kinds
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let query = gql(SearchQuery::new(&text, kinds, state.visibility()))?;
        let start = match after.as_deref() {
            Some(raw) => Some(
                OpaqueCursor::<SearchCursor>::decode_cursor(raw)
                    .map_err(|_| bad_input("after", "is not a cursor returned by this search"))?
                    .0,
            ),
            None => None,
        };
        let offset = start.as_ref().map_or(0, |c| c.offset);
        let limit = limit.min(MAX_SEARCH_RESULTS.saturating_sub(offset));
        // One extra row tells whether another page follows.
        let (how, mut hits) = match &start {
            None => gql(search::first_page(&state.db, &query, limit + 1).await)?,
            Some(c) => {
                let how = if c.any { Match::Any } else { Match::All };
                (
                    how,
                    gql(search::search(&state.db, &query, how, offset, limit + 1).await)?,
                )
            }
        };
        let any = how == Match::Any;
        let has_next_page = hits.len() as u64 > limit;
        hits.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let edges: Vec<SearchEdge> = hits
            .into_iter()
            .zip(offset + 1..)
            .map(|(hit, n)| SearchEdge {
                cursor: cursor(any, n),
                node: node(hit.node),
                snippet: hit.snippet,
                score: hit.score,
            })
            .collect();
        Ok(SearchConnection {
            page_info: PageInfo {
                has_next_page,
                has_previous_page: offset > 0,
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
            words: query.words().to_vec(),
            matched_any_word: any,
        })
    }

    /// The nodes within `depth` links of a node, in either direction, and the links among
    /// them: for analysts exploring how the graph hangs together. Bounded: very large
    /// neighbourhoods are cut (`truncated`).
    async fn neighborhood(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The centre node's id.")] id: ID,
        #[graphql(desc = "How many links away to go, 1 to 3 (default 1).")] depth: Option<i32>,
        #[graphql(desc = "Follow only these relations (all when absent or empty).")]
        predicates: Option<Vec<Predicate>>,
        #[graphql(
            desc = "Enter only nodes of these kinds (all when absent or empty); the centre is always included."
        )]
        kinds: Option<Vec<NodeKind>>,
    ) -> Result<Neighborhood> {
        let state = state(ctx)?;
        let center = uuid("id", &id)?;
        let depth = gql(graph::checked_depth(
            "depth",
            depth.unwrap_or(1).into(),
            MAX_NEIGHBORHOOD_DEPTH,
        ))?;
        let filter = WalkFilter {
            predicates: predicates
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            kinds: kinds
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            include_negated: true,
        };
        let found =
            gql(graph::neighborhood(&state.db, center, depth, &filter, state.visibility()).await)?;
        let nodes: HashMap<Uuid, Arc<node::Model>> = found
            .nodes
            .iter()
            .map(|(n, _)| (n.id, Arc::new(n.clone())))
            .collect();
        Ok(Neighborhood {
            edges: found.edges.iter().filter_map(|e| link(e, &nodes)).collect(),
            nodes: found
                .nodes
                .into_iter()
                .map(|(n, d)| NeighborhoodNode {
                    node: node(n),
                    depth: i32::try_from(d).unwrap_or(i32::MAX),
                })
                .collect(),
            truncated: found.truncated,
        })
    }

    /// The shortest paths between two nodes, following links in either direction (links the
    /// source denies are never part of a path).
    async fn paths(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the node to start from.")] from: ID,
        #[graphql(desc = "Id of the node to reach; must differ from `from`.")] to: ID,
        #[graphql(desc = "Longest path looked for, in links: 1 to 6 (default 4).")]
        max_depth: Option<i32>,
    ) -> Result<Paths> {
        let state = state(ctx)?;
        let from = uuid("from", &from)?;
        let to = uuid("to", &to)?;
        let max_depth = gql(graph::checked_depth(
            "maxDepth",
            max_depth.unwrap_or(4).into(),
            MAX_PATH_DEPTH,
        ))?;
        let found =
            gql(graph::shortest_paths(&state.db, from, to, max_depth, state.visibility()).await)?;
        let nodes: HashMap<Uuid, Arc<node::Model>> = found
            .nodes
            .into_iter()
            .map(|(id, n)| (id, Arc::new(n)))
            .collect();
        let paths = found
            .paths
            .into_iter()
            .filter_map(|(node_ids, edge_ids)| {
                let path_nodes: Vec<Arc<node::Model>> = node_ids
                    .iter()
                    .map(|id| nodes.get(id).cloned())
                    .collect::<Option<_>>()?;
                let links: Vec<Link> = edge_ids
                    .iter()
                    .map(|id| found.edges.get(id).and_then(|e| link(e, &nodes)))
                    .collect::<Option<_>>()?;
                let mut elements = Vec::with_capacity(path_nodes.len() + links.len());
                for (i, n) in path_nodes.iter().enumerate() {
                    elements.push(Content::from(Node::from(n.clone())));
                    if let Some(l) = links.get(i) {
                        elements.push(Content::Link(l.clone()));
                    }
                }
                Some(GraphPath {
                    length: i32::try_from(links.len()).unwrap_or(i32::MAX),
                    nodes: path_nodes.into_iter().map(Node::from).collect(),
                    edges: links,
                    elements,
                })
            })
            .collect();
        Ok(Paths {
            paths,
            truncated: found.truncated,
        })
    }

    /// Conditions ranked by how well their symptoms match the ones given, with the matched and
    /// unmatched symptoms, the citations behind each match, and when to seek help.
    /// Information, not a diagnosis: the answer's `disclaimer` says so.
    async fn rank_conditions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Ids of the symptoms someone has (at most 20).")] symptoms: Option<
            Vec<ID>,
        >,
        #[graphql(
            desc = "The symptoms in plain words, matched against symptom names and synonyms."
        )]
        text: Option<String>,
        #[graphql(desc = "Most conditions returned, 0 to 50 (default 10).")] first: Option<i32>,
    ) -> Result<ConditionRanking> {
        let state = state(ctx)?;
        let limit = bounded("first", first, 10, MAX_RANKED)?;
        let ids = symptoms
            .unwrap_or_default()
            .iter()
            .map(|id| uuid("symptoms", id))
            .collect::<Result<Vec<_>>>()?;
        let ranking = gql(rank::rank_conditions(
            &state.db,
            &ids,
            text.as_deref(),
            usize::try_from(limit).unwrap_or(0),
            state.visibility(),
        )
        .await)?;
        Ok(ConditionRanking {
            symptoms: ranking
                .symptoms
                .into_iter()
                .map(|s| Symptom(Arc::new(s)))
                .collect(),
            results: ranking
                .results
                .into_iter()
                .map(|r| RankedCondition {
                    condition: Condition(Arc::new(r.condition)),
                    score: r.score,
                    matched: r
                        .matched
                        .into_iter()
                        .map(|(e, n)| link_row(e, n).into())
                        .collect(),
                    unmatched: r
                        .unmatched
                        .into_iter()
                        .map(|n| Symptom(Arc::new(n)))
                        .collect(),
                    care_advice: r
                        .care
                        .into_iter()
                        .map(|(holder, (e, n))| CareAdvice {
                            stated_for: Condition(Arc::new(holder)),
                            advice: link_row(e, n).into(),
                        })
                        .collect(),
                })
                .collect(),
        })
    }
}
