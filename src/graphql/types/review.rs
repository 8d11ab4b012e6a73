//! What content teams see of the review process: pending edits, the generic `Link` returned
//! by link mutations, and the `Content` union returned by workflow steps.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject, Union};
use entity::{edge, node};

use super::enums::{Predicate, Status, TreatmentPlace, TreatmentType};
use super::{Cause, Citation, Condition, Node, Risk, Symptom, Treatment};
use crate::domain::Visibility;
use crate::domain::rules::content::{Editable as _, LinkAttributes, NodeContent};
use crate::graphql::context::state;
use crate::graphql::loaders::CitedBy;

/// `value` for content teams, `None` for anonymous readers.
pub(crate) fn for_content_teams<T>(ctx: &Context<'_>, value: Option<T>) -> Option<T> {
    match state(ctx) {
        Ok(s) if s.visibility() == Visibility::Everything => value,
        _ => None,
    }
}

/// An edit of a published node awaiting review: the fields as they will read once published.
#[derive(SimpleObject)]
pub(crate) struct PendingNodeEdit {
    /// Display name after the edit.
    name: String,
    /// Synonyms after the edit.
    synonyms: Vec<String>,
    /// Summary after the edit.
    summary: Option<String>,
    /// Treatment type after the edit.
    treatment_type: Option<TreatmentType>,
    /// Codings after the edit.
    codings: Vec<super::Coding>,
}

pub(crate) fn pending_node(
    ctx: &Context<'_>,
    row: &node::Model,
) -> Result<Option<PendingNodeEdit>> {
    Ok(
        for_content_teams(ctx, NodeContent::pending(row)).map(|c| PendingNodeEdit {
            name: c.name,
            synonyms: c.synonyms,
            summary: c.summary,
            treatment_type: c.treatment_type.map(Into::into),
            codings: c.codings.into_iter().map(Into::into).collect(),
        }),
    )
}

/// An edit of a published link awaiting review: the attributes as they will read once published.
#[derive(SimpleObject)]
pub(crate) struct PendingLinkEdit {
    /// Whether the source denies the link, after the edit.
    negated: bool,
    /// Place after the edit.
    place: Option<TreatmentPlace>,
    /// Timing after the edit.
    timing: Option<String>,
    /// Circumstance after the edit.
    circumstance: Option<String>,
    /// Instructions after the edit.
    how_to: Option<String>,
    /// Note after the edit.
    note: Option<String>,
}

pub(crate) fn pending_link(
    ctx: &Context<'_>,
    row: &edge::Model,
) -> Result<Option<PendingLinkEdit>> {
    Ok(
        for_content_teams(ctx, LinkAttributes::pending(row)).map(|a| PendingLinkEdit {
            negated: a.negated,
            place: a.place.map(Into::into),
            timing: a.timing,
            circumstance: a.circumstance,
            how_to: a.how_to,
            note: a.note,
        }),
    )
}

/// A link with both of its ends, as link mutations and workflow steps return it.
#[derive(Clone)]
pub(crate) struct Link {
    pub edge: Arc<edge::Model>,
    pub subject: Arc<node::Model>,
    pub object: Arc<node::Model>,
}

/// A link with both of its ends, as link mutations and workflow steps return it.
#[Object]
impl Link {
    /// Id of the edge.
    async fn id(&self) -> ID {
        ID(self.edge.id.to_string())
    }
    /// The subject: "subject predicate object".
    async fn subject(&self) -> Node {
        Node::from(self.subject.clone())
    }
    /// The relation.
    async fn predicate(&self) -> Predicate {
        self.edge.predicate.into()
    }
    /// The object: "subject predicate object".
    async fn object(&self) -> Node {
        Node::from(self.object.clone())
    }
    /// True when the source denies this link.
    async fn negated(&self) -> bool {
        self.edge.negated
    }
    /// For treatments: where it stands among the options.
    async fn place(&self) -> Option<TreatmentPlace> {
        self.edge.place.map(Into::into)
    }
    /// Onset, duration or resolution in the source's words.
    async fn timing(&self) -> Option<&str> {
        self.edge.timing.as_deref()
    }
    /// When the link applies, or when to act.
    async fn circumstance(&self) -> Option<&str> {
        self.edge.circumstance.as_deref()
    }
    /// Practical instructions from the source.
    async fn how_to(&self) -> Option<&str> {
        self.edge.how_to.as_deref()
    }
    /// Editorial note.
    async fn note(&self) -> Option<&str> {
        self.edge.note.as_deref()
    }
    /// Editorial status of the link.
    async fn status(&self) -> Status {
        self.edge.status.into()
    }
    /// An edit of this published link awaiting review.
    async fn pending(&self, ctx: &Context<'_>) -> Result<Option<PendingLinkEdit>> {
        pending_link(ctx, &self.edge)
    }
    /// Where the pending edit stands.
    async fn pending_status(&self, ctx: &Context<'_>) -> Option<Status> {
        for_content_teams(ctx, self.edge.pending_status.map(Into::into))
    }
    /// The reviewer who last published this link.
    async fn reviewed_by(&self) -> Option<&str> {
        self.edge.reviewed_by.as_deref()
    }
    /// When this link was last published by a reviewer.
    async fn reviewed_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.edge.reviewed_at
    }
    /// When this published link is due for its next review (`null` until published).
    async fn review_due(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.edge.review_due
    }
    /// Version of the link; writes must send the version they read.
    async fn version(&self) -> i32 {
        self.edge.version
    }
    /// The source passages this link rests on.
    async fn citations(&self, ctx: &Context<'_>) -> Result<Vec<Citation>> {
        super::node::citations(ctx, CitedBy::Edge(self.edge.id)).await
    }
}

/// A node or a link: what a workflow step (submit, publish, reject, archive) returns.
#[derive(Union)]
pub(crate) enum Content {
    /// A condition.
    Condition(Condition),
    /// A cause.
    Cause(Cause),
    /// A symptom.
    Symptom(Symptom),
    /// A risk.
    Risk(Risk),
    /// A treatment.
    Treatment(Treatment),
    /// A link.
    Link(Link),
}

impl From<Node> for Content {
    fn from(node: Node) -> Self {
        match node {
            Node::Condition(x) => Content::Condition(x),
            Node::Cause(x) => Content::Cause(x),
            Node::Symptom(x) => Content::Symptom(x),
            Node::Risk(x) => Content::Risk(x),
            Node::Treatment(x) => Content::Treatment(x),
        }
    }
}
