//! What search, graph exploration and symptom ranking return.

use std::sync::Arc;

use async_graphql::{Object, SimpleObject};

use super::connection::PageInfo;
use super::{Condition, Content, Link, Node, Symptom, TreatmentLink};
use crate::graphql::loaders::LinkRow;

/// Results of a full-text search, best first.
#[derive(SimpleObject)]
pub(crate) struct SearchConnection {
    /// The matching nodes, each with its relevance and the passage that matched.
    pub edges: Vec<SearchEdge>,
    /// Where this page sits in the results.
    pub page_info: PageInfo,
    /// The words searched for, as the index read them (letters and digits only, lower case).
    pub words: Vec<String>,
    /// True when no node matched every word and the results match any of them.
    pub matched_any_word: bool,
}

/// One search result.
#[derive(SimpleObject)]
pub(crate) struct SearchEdge {
    /// Pass as `after` to get the results that follow this one.
    pub cursor: String,
    /// The matching node.
    pub node: Node,
    /// The best-matching passage of the node's name, synonyms, summary or citations, with
    /// the matched words between `**` markers (plain text, not HTML).
    pub snippet: String,
    /// Relevance, higher is better; comparable within one search only.
    pub score: f64,
}

/// A node of a neighbourhood and how far it is from the centre.
#[derive(SimpleObject)]
pub(crate) struct NeighborhoodNode {
    /// The node.
    pub node: Node,
    /// Links between it and the centre (0 for the centre itself).
    pub depth: i32,
}

/// The part of the graph around one node.
#[derive(SimpleObject)]
pub(crate) struct Neighborhood {
    /// The nodes within the requested depth, the centre first, then by depth and name.
    pub nodes: Vec<NeighborhoodNode>,
    /// Every link between two of these nodes that the filters allow, denied links included
    /// (`negated: true`).
    pub edges: Vec<Link>,
    /// True when the neighbourhood was larger than the bound and was cut: narrow it with
    /// `predicates`, `kinds` or a smaller `depth`.
    pub truncated: bool,
}

/// One shortest path: nodes and links alternating, from `from` to `to`.
#[derive(SimpleObject)]
pub(crate) struct GraphPath {
    /// Number of links.
    pub length: i32,
    /// The nodes visited, `from` first and `to` last.
    pub nodes: Vec<Node>,
    /// The links between consecutive nodes; a link may point either way.
    pub edges: Vec<Link>,
    /// Nodes and links alternating: node, link, node, …, node.
    pub elements: Vec<Content>,
}

/// The shortest paths between two nodes.
#[derive(SimpleObject)]
pub(crate) struct Paths {
    /// Every shortest path (up to the bound), in a stable order; empty when none is within
    /// `maxDepth`.
    pub paths: Vec<GraphPath>,
    /// True when the search hit its bound before finishing: a path may be missing.
    pub truncated: bool,
}

/// Advice on when to seek professional help, and the condition it is stated for.
#[derive(SimpleObject)]
pub(crate) struct CareAdvice {
    /// The condition the source states the advice for: the ranked condition itself or a
    /// broader one (epidural-related back pain inherits the advice given for back pain).
    pub stated_for: Condition,
    /// The care option with when to use it (`circumstance`) and its citations.
    pub advice: TreatmentLink,
}

/// A condition and how well its symptoms match the reported ones.
#[derive(SimpleObject)]
pub(crate) struct RankedCondition {
    /// The condition.
    pub condition: Condition,
    /// Share of agreement between the reported symptoms and the condition's symptoms
    /// (matched ÷ all symptoms of either), from 0 to 1.
    pub score: f64,
    /// The condition's links to reported symptoms, with timing and the citations behind each.
    pub matched: Vec<super::SymptomLink>,
    /// Symptoms of the condition that were not reported.
    pub unmatched: Vec<Symptom>,
    /// When to seek help.
    pub care_advice: Vec<CareAdvice>,
}

/// Conditions ranked by symptoms: information, not a diagnosis.
pub(crate) struct ConditionRanking {
    pub symptoms: Vec<Symptom>,
    pub results: Vec<RankedCondition>,
}

/// Shown with every ranking: the graph cannot diagnose anyone.
pub(crate) const DISCLAIMER: &str = "This is general health information from reviewed sources, \
not a diagnosis. Only a clinician who examines you can diagnose a condition. If your symptoms \
are severe, last, or worry you, seek medical advice.";

/// Conditions ranked by symptoms: information, not a diagnosis.
#[Object]
impl ConditionRanking {
    /// Read this first: the ranking is information, not a diagnosis.
    async fn disclaimer(&self) -> &str {
        DISCLAIMER
    }
    /// The symptoms the ranking used: those given by id, then those read from the text.
    async fn symptoms(&self) -> &[Symptom] {
        &self.symptoms
    }
    /// Conditions sharing at least one of the symptoms, best match first.
    async fn results(&self) -> &[RankedCondition] {
        &self.results
    }
}

/// Wraps a stored link and node pair as a link row for the typed link objects.
pub(crate) fn link_row(edge: entity::edge::Model, other: entity::node::Model) -> LinkRow {
    LinkRow {
        edge: Arc::new(edge),
        other: Arc::new(other),
        citations: None,
    }
}
