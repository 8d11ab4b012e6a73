//! Edge forms of the link fields: the linked node plus the edge's attributes and citations.

use async_graphql::{Context, ID, Result};

use super::enums::{Predicate, Status, TreatmentPlace};
use super::{Cause, Citation, Condition, Risk, Symptom, Treatment};
use crate::graphql::loaders::{CitedBy, LinkRow};

/// Defines a link type whose other end is a `$target` exposed as field `$field`.
macro_rules! link_object {
    ($(#[$meta:meta])* $name:ident, $field:ident: $target:ident) => {
        $(#[$meta])*
        pub(crate) struct $name(LinkRow);

        impl From<LinkRow> for $name {
            fn from(row: LinkRow) -> Self {
                Self(row)
            }
        }

        $(#[$meta])*
        #[async_graphql::Object]
        impl $name {
            /// The linked node.
            async fn $field(&self) -> $target {
                $target(self.0.other.clone())
            }
            /// Id of the edge.
            async fn id(&self) -> ID {
                ID(self.0.edge.id.to_string())
            }
            /// The relation, read "subject predicate object".
            async fn predicate(&self) -> Predicate {
                self.0.edge.predicate.into()
            }
            /// True when the source denies this link. Denied links never appear in the plain
            /// link fields (such as `Condition.causes`); they are listed apart (`Condition.notCausedBy`).
            async fn negated(&self) -> bool {
                self.0.edge.negated
            }
            /// For treatments: where it stands among the options ("the last resort").
            async fn place(&self) -> Option<TreatmentPlace> {
                self.0.edge.place.map(Into::into)
            }
            /// Onset, duration or resolution in the source's words ("within a few days").
            async fn timing(&self) -> Option<&str> {
                self.0.edge.timing.as_deref()
            }
            /// When the link applies, or when to act ("if the pain persists…").
            async fn circumstance(&self) -> Option<&str> {
                self.0.edge.circumstance.as_deref()
            }
            /// Practical instructions from the source ("start with cold therapy first").
            async fn how_to(&self) -> Option<&str> {
                self.0.edge.how_to.as_deref()
            }
            /// Editorial note: hedges in the source, or how a garbled sentence was read.
            async fn note(&self) -> Option<&str> {
                self.0.edge.note.as_deref()
            }
            /// Editorial status of the edge.
            async fn status(&self) -> Status {
                self.0.edge.status.into()
            }
            /// Version of the edge; writes must send the version they read.
            async fn version(&self) -> i32 {
                self.0.edge.version
            }
            /// An edit of this published link awaiting review, for content teams only.
            async fn pending(&self, ctx: &Context<'_>) -> Result<Option<super::review::PendingLinkEdit>> {
                super::review::pending_link(ctx, &self.0.edge)
            }
            /// Where the pending edit stands, for content teams.
            async fn pending_status(&self, ctx: &Context<'_>) -> Option<Status> {
                super::review::for_content_teams(ctx, self.0.edge.pending_status.map(Into::into))
            }
            /// The reviewer who last published this link.
            async fn reviewed_by(&self) -> Option<&str> {
                self.0.edge.reviewed_by.as_deref()
            }
            /// When this link was last published by a reviewer.
            async fn reviewed_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
                self.0.edge.reviewed_at
            }
            /// When this published link is due for its next review (`null` until published).
            async fn review_due(&self) -> Option<chrono::DateTime<chrono::Utc>> {
                self.0.edge.review_due
            }
            /// The source passages this link rests on.
            async fn citations(&self, ctx: &Context<'_>) -> Result<Vec<Citation>> {
                match &self.0.citations {
                    // Read with the link (`LinkKey::cites`): as much as this field shows.
                    Some(rows) => Ok(rows.iter().cloned().map(Citation).collect()),
                    None => super::node::citations(ctx, CitedBy::Edge(self.0.edge.id)).await,
                }
            }
        }
    };
}

link_object!(
    /// A link to a condition, with the edge's attributes and citations.
    ConditionLink, condition: Condition
);
link_object!(
    /// A link to a cause, with the edge's attributes and citations.
    CauseLink, cause: Cause
);
link_object!(
    /// A link to a symptom, with the edge's attributes and citations.
    SymptomLink, symptom: Symptom
);
link_object!(
    /// A link to a risk, with the edge's attributes and citations.
    RiskLink, risk: Risk
);
link_object!(
    /// A link to a treatment, with the edge's attributes (its place, how to do it) and citations.
    TreatmentLink, treatment: Treatment
);
