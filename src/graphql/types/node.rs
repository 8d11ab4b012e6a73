//! The `Node` interface, the fields every node type shares, and link resolution helpers.

use std::sync::Arc;

use async_graphql::{Context, Interface, Result, SelectionField};
use entity::node;
use entity::sea_orm_active_enums::{NodeKind as StoredKind, Predicate};
use uuid::Uuid;

use super::{Cause, Citation, Condition, Risk, Symptom, Treatment, detail};
use crate::domain::service::links::{Cites, Detail, Direction};
use crate::graphql::context::state;
use crate::graphql::error::from_load;
use crate::graphql::loaders::{Batch, CitedBy, LinkKey, LinkRow, Onward};

/// A stored node, shared by the object types that wrap it.
pub(crate) type NodeRef = Arc<node::Model>;

/// Anything in the graph: a condition, cause, symptom, risk or treatment.
#[derive(Interface)]
#[expect(
    clippy::duplicated_attributes,
    reason = "several interface fields share a type; clippy reads each `ty` as a repeated attribute"
)]
#[graphql(
    field(
        name = "id",
        ty = "async_graphql::ID",
        desc = "Globally unique id (a UUID); `node(id:)` fetches it."
    ),
    field(
        name = "kind",
        ty = "super::enums::NodeKind",
        desc = "Which kind of node this is."
    ),
    field(
        name = "slug",
        ty = "String",
        desc = "Stable, human-readable handle, unique across all nodes."
    ),
    field(name = "name", ty = "String", desc = "Display name."),
    field(
        name = "synonyms",
        ty = "Vec<String>",
        desc = "Other names patients and clinicians use."
    ),
    field(
        name = "summary",
        ty = "Option<String>",
        desc = "A short plain-language description."
    ),
    field(
        name = "codings",
        ty = "Vec<super::Coding>",
        desc = "Clinical codes for this node (ICD-10-CM, SNOMED CT, RxNorm, LOINC…), each saying how it relates to the node and where it was confirmed. `codeLookup` finds nodes by them."
    ),
    field(
        name = "status",
        ty = "super::enums::Status",
        desc = "Editorial status."
    ),
    field(
        name = "version",
        ty = "i32",
        desc = "Incremented by every change; writes must send the version they read."
    ),
    field(
        name = "created_at",
        ty = "chrono::DateTime<chrono::Utc>",
        desc = "When the node was created."
    ),
    field(
        name = "updated_at",
        ty = "chrono::DateTime<chrono::Utc>",
        desc = "When the node last changed."
    ),
    field(
        name = "citations",
        ty = "Vec<Citation>",
        desc = "The source passages this node rests on."
    ),
    field(
        name = "pending",
        ty = "Option<super::review::PendingNodeEdit>",
        desc = "An edit of this published node awaiting review, for content teams only."
    ),
    field(
        name = "pending_status",
        ty = "Option<super::enums::Status>",
        desc = "Where the pending edit stands (DRAFT, IN_REVIEW or REJECTED), for content teams."
    ),
    field(
        name = "reviewed_by",
        ty = "Option<String>",
        desc = "The reviewer who last published this node: the medically-reviewed mark."
    ),
    field(
        name = "reviewed_at",
        ty = "Option<chrono::DateTime<chrono::Utc>>",
        desc = "When this node was last published by a reviewer."
    ),
    field(
        name = "review_due",
        ty = "Option<chrono::DateTime<chrono::Utc>>",
        desc = "When this published node is due for its next review (`null` until published)."
    )
)]
pub(crate) enum Node {
    Condition(Condition),
    Cause(Cause),
    Symptom(Symptom),
    Risk(Risk),
    Treatment(Treatment),
}

impl From<NodeRef> for Node {
    fn from(row: NodeRef) -> Self {
        match row.kind {
            StoredKind::Condition => Node::Condition(Condition(row)),
            StoredKind::Cause => Node::Cause(Cause(row)),
            StoredKind::Symptom => Node::Symptom(Symptom(row)),
            StoredKind::Risk => Node::Risk(Risk(row)),
            StoredKind::Treatment => Node::Treatment(Treatment(row)),
        }
    }
}

/// Defines a node object type: the `Node` fields plus the type's own.
macro_rules! node_object {
    ($(#[$meta:meta])* $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub(crate) struct $name(pub(crate) $crate::graphql::types::NodeRef);

        impl From<$crate::graphql::types::NodeRef> for $name {
            fn from(row: $crate::graphql::types::NodeRef) -> Self {
                Self(row)
            }
        }

        $(#[$meta])*
        #[async_graphql::Object]
        impl $name {
            /// Globally unique id (a UUID); `node(id:)` fetches it.
            pub(crate) async fn id(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<async_graphql::ID> {
                Ok(async_graphql::ID(self.0.id.to_string()))
            }
            /// Which kind of node this is.
            pub(crate) async fn kind(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<$crate::graphql::types::enums::NodeKind> {
                Ok(self.0.kind.into())
            }
            /// Stable, human-readable handle, unique across all nodes.
            pub(crate) async fn slug(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<String> {
                Ok(self.0.slug.clone())
            }
            /// Display name.
            pub(crate) async fn name(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<String> {
                Ok(self.0.name.clone())
            }
            /// Other names patients and clinicians use.
            pub(crate) async fn synonyms(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<String>> {
                Ok($crate::graphql::types::node::synonyms(&self.0))
            }
            /// A short plain-language description.
            pub(crate) async fn summary(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<String>> {
                Ok(self.0.summary.clone())
            }
            /// Clinical codes for this node (ICD-10-CM, SNOMED CT, RxNorm, LOINC…), each saying
            /// how it relates to the node and where it was confirmed. `codeLookup` finds nodes
            /// by them.
            pub(crate) async fn codings(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<$crate::graphql::types::Coding>> {
                Ok($crate::domain::rules::coding::of_node(&self.0).into_iter().map(Into::into).collect())
            }
            /// Editorial status.
            pub(crate) async fn status(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<$crate::graphql::types::enums::Status> {
                Ok(self.0.status.into())
            }
            /// Incremented by every change; writes must send the version they read.
            pub(crate) async fn version(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<i32> {
                Ok(self.0.version)
            }
            /// When the node was created.
            pub(crate) async fn created_at(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<chrono::DateTime<chrono::Utc>> {
                Ok(self.0.created_at)
            }
            /// When the node last changed.
            pub(crate) async fn updated_at(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<chrono::DateTime<chrono::Utc>> {
                Ok(self.0.updated_at)
            }
            /// An edit of this published node awaiting review, for content teams only (`null`
            /// for anonymous readers, who always see the published text).
            pub(crate) async fn pending(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<$crate::graphql::types::review::PendingNodeEdit>> {
                $crate::graphql::types::review::pending_node(ctx, &self.0)
            }
            /// Where the pending edit stands (DRAFT, IN_REVIEW or REJECTED), for content teams.
            pub(crate) async fn pending_status(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<$crate::graphql::types::enums::Status>> {
                Ok($crate::graphql::types::review::for_content_teams(ctx, self.0.pending_status.map(Into::into)))
            }
            /// The reviewer who last published this node: the "medically reviewed" mark.
            pub(crate) async fn reviewed_by(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<String>> {
                Ok(self.0.reviewed_by.clone())
            }
            /// When this node was last published by a reviewer.
            pub(crate) async fn reviewed_at(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<chrono::DateTime<chrono::Utc>>> {
                Ok(self.0.reviewed_at)
            }
            /// When this published node is due for its next review (`null` until published).
            pub(crate) async fn review_due(&self, _ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Option<chrono::DateTime<chrono::Utc>>> {
                Ok(self.0.review_due)
            }
            /// The source passages this node rests on.
            pub(crate) async fn citations(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<$crate::graphql::types::Citation>> {
                $crate::graphql::types::node::citations(ctx, $crate::graphql::loaders::CitedBy::Node(self.0.id)).await
            }
            $($fields)*
        }
    };
}
pub(crate) use node_object;

pub(crate) fn synonyms(row: &node::Model) -> Vec<String> {
    serde_json::from_value(row.synonyms.clone()).unwrap_or_default()
}

pub(crate) async fn citations(ctx: &Context<'_>, key: CitedBy) -> Result<Vec<Citation>> {
    let state = state(ctx)?;
    let rows = match state.read_along(key, detail::shown(ctx.field())) {
        Some(rows) => Some(rows),
        None => state.citations().load_one(key).await.map_err(from_load)?,
    };
    Ok(rows
        .as_deref()
        .unwrap_or_default()
        .iter()
        .cloned()
        .map(Citation)
        .collect())
}

/// Which links of a node a field shows.
#[derive(Clone, Copy)]
pub(crate) struct LinkSel {
    pub dir: Direction,
    pub predicate: Predicate,
    /// The kind of node at the other end: a `Cause` field never wraps a risk.
    pub other: StoredKind,
    /// `false`: links the source asserts; `true`: links the source denies.
    pub negated: bool,
}

impl LinkSel {
    /// Links from this node (its subject side) to an `other`.
    pub const fn out(predicate: Predicate, other: StoredKind) -> Self {
        Self {
            dir: Direction::Out,
            predicate,
            other,
            negated: false,
        }
    }
    /// Links from an `other` to this node.
    pub const fn incoming(predicate: Predicate, other: StoredKind) -> Self {
        Self {
            dir: Direction::In,
            predicate,
            other,
            negated: false,
        }
    }
    /// The same links, but those the source denies.
    pub const fn denied(self) -> Self {
        Self {
            negated: true,
            ..self
        }
    }
}

/// What a link field returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shows {
    /// The links, with their far ends (`treatmentLinks`).
    Links,
    /// The far ends alone (`treatments`).
    Nodes,
}

/// A field of a node type that lists links (`link_fields`).
pub(crate) struct LinkField {
    pub name: &'static str,
    pub sel: LinkSel,
    pub shows: Shows,
}

impl LinkField {
    pub const fn links(name: &'static str, sel: LinkSel) -> Self {
        Self {
            name,
            sel,
            shows: Shows::Links,
        }
    }
    pub const fn nodes(name: &'static str, sel: LinkSel) -> Self {
        Self {
            name,
            sel,
            shows: Shows::Nodes,
        }
    }
}

/// The links of `node` that `sel` picks, in name order of the other end.
pub(crate) async fn links<T: From<LinkRow>>(
    ctx: &Context<'_>,
    node: Uuid,
    sel: LinkSel,
) -> Result<Vec<T>> {
    let ahead = state(ctx)?.reads_along();
    let key = link_key(ctx.field(), Shows::Links, sel, node, ahead);
    load_links(ctx, sel, key).await
}

/// The nodes at the other end of the links `sel` picks.
pub(crate) async fn linked<T: From<NodeRef>>(
    ctx: &Context<'_>,
    node: Uuid,
    sel: LinkSel,
) -> Result<Vec<T>> {
    let ahead = state(ctx)?.reads_along();
    let key = link_key(ctx.field(), Shows::Nodes, sel, node, ahead);
    let rows: Vec<LinkRow> = load_links(ctx, sel, key).await?;
    Ok(rows.into_iter().map(|r| T::from(r.other)).collect())
}

/// The key a link field (`field`, showing `shows` of the links `sel` picks) reads `node`'s
/// links with; `ahead`: with the far ends' links the field's selection shows, in the same
/// statement.
fn link_key(
    field: SelectionField<'_>,
    shows: Shows,
    sel: LinkSel,
    node: Uuid,
    ahead: bool,
) -> LinkKey {
    let fields = link_fields(sel.other);
    let (cites, (onward, onward_detail)) = match shows {
        Shows::Links => {
            let far_ends = field
                .selection_set()
                .filter(|child| detail::FAR_ENDS.contains(&child.name()));
            let onward = if ahead {
                detail::onward(far_ends, fields)
            } else {
                (Onward::default(), Detail::Listing)
            };
            (detail::cites(field), onward)
        }
        // A node's `citations` here are the far end's own, not the links': none are read
        // along.
        Shows::Nodes => {
            let onward = if ahead {
                detail::onward(std::iter::once(field), fields)
            } else {
                (Onward::default(), Detail::Listing)
            };
            (Cites::No, onward)
        }
    };
    LinkKey {
        node,
        dir: sel.dir,
        predicate: sel.predicate,
        // The far ends' links come in the same statement, with the same columns.
        detail: if onward_detail == Detail::Full {
            Detail::Full
        } else {
            detail::of(field)
        },
        cites,
        onward,
    }
}

/// The links the selection of a node of `kind` (`field`) shows on one side (the side more of
/// its link fields read), as one read: `links::page` reads them with the node. `None`
/// when it shows no links.
pub(crate) fn page_links(
    field: SelectionField<'_>,
    kind: StoredKind,
) -> Option<(Direction, Batch)> {
    let fields = link_fields(kind);
    let keys: Vec<LinkKey> = field
        .selection_set()
        .flat_map(|child| {
            fields
                .iter()
                .filter(move |f| f.name == child.name())
                .map(move |f| link_key(child, f.shows, f.sel, Uuid::nil(), true))
        })
        .collect();
    let out = keys.iter().filter(|k| k.dir == Direction::Out).count();
    let dir = match (out, keys.len() - out) {
        (0, 0) => return None,
        (out, incoming) if out >= incoming => Direction::Out,
        _ => Direction::In,
    };
    Some((dir, Batch::of(keys.iter().filter(|k| k.dir == dir), true)))
}

/// The links `key` asks for, those `sel` picks among them.
async fn load_links<T: From<LinkRow>>(
    ctx: &Context<'_>,
    sel: LinkSel,
    key: LinkKey,
) -> Result<Vec<T>> {
    let state = state(ctx)?;
    let rows = match state.links_read_along(&key) {
        Some(rows) => Some(rows),
        None => state.links().load_one(key).await.map_err(from_load)?,
    };
    Ok(rows
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|r| {
            r.edge.predicate == sel.predicate
                && r.edge.negated == sel.negated
                && r.other.kind == sel.other
        })
        .cloned()
        .map(T::from)
        .collect())
}

/// The fields of a node type that list its links, with the links each reads (a field may
/// read two, like `differentials`): a parent's selection names them, and they are read a
/// level early (`detail::onward`).
pub(crate) fn link_fields(kind: StoredKind) -> &'static [LinkField] {
    match kind {
        StoredKind::Condition => super::condition::LINK_FIELDS,
        StoredKind::Cause => super::cause::LINK_FIELDS,
        StoredKind::Symptom => super::symptom::LINK_FIELDS,
        StoredKind::Risk => super::risk::LINK_FIELDS,
        StoredKind::Treatment => super::treatment::LINK_FIELDS,
    }
}
