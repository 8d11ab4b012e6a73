//! A change to published content, as the change feed and `contentChanged` give it.

use async_graphql::connection::{CursorType, OpaqueCursor};
use async_graphql::{Enum, ID, SimpleObject};

use crate::domain::service::changes::{Change, Position};
use crate::graphql::error::bad_input;

/// What changed.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ContentChangeKind {
    /// A condition node.
    Condition,
    /// A cause node.
    Cause,
    /// A symptom node.
    Symptom,
    /// A risk node.
    Risk,
    /// A treatment node.
    Treatment,
    /// A link between two nodes.
    Link,
    /// A citation of a node or a link.
    Citation,
    /// A source.
    Source,
}

impl ContentChangeKind {
    /// The name the feed stores.
    pub(crate) fn stored(self) -> &'static str {
        match self {
            Self::Condition => "CONDITION",
            Self::Cause => "CAUSE",
            Self::Symptom => "SYMPTOM",
            Self::Risk => "RISK",
            Self::Treatment => "TREATMENT",
            Self::Link => "LINK",
            Self::Citation => "CITATION",
            Self::Source => "SOURCE",
        }
    }

    fn from_stored(stored: &str) -> Option<Self> {
        [
            Self::Condition,
            Self::Cause,
            Self::Symptom,
            Self::Risk,
            Self::Treatment,
            Self::Link,
            Self::Citation,
            Self::Source,
        ]
        .into_iter()
        .find(|kind| kind.stored() == stored)
    }
}

/// How readers' view of the content changed.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ChangeType {
    /// It became visible: published, or (a source) added.
    Published,
    /// It was visible and still is; `fields` says what changed.
    Updated,
    /// It is no longer visible: archived, reverted to a draft or deleted.
    Withdrawn,
}

/// One change to what anonymous readers see.
#[derive(SimpleObject, Clone)]
pub(crate) struct ContentChange {
    /// Where this change sits in the feed: `changes(after:)` continues after it.
    cursor: String,
    /// The content generation the change is visible from: an answer read at this version or
    /// later includes it.
    version: i64,
    /// What changed.
    kind: ContentChangeKind,
    /// The id of the node, link, citation or source.
    id: ID,
    /// The slug of a node or a source.
    slug: Option<String>,
    /// How it changed.
    change: ChangeType,
    /// For `UPDATED`: the fields whose published value changed, by their names in this
    /// schema (`name`, `codings`, `howTo`, `quote`…).
    fields: Vec<String>,
    /// The nodes whose pages show it: the node itself, a link's two ends, the node (or the
    /// link's ends) a citation supports. Caches of those pages hold stale copies.
    node_ids: Vec<ID>,
}

impl ContentChange {
    pub(crate) fn from_change(change: &Change) -> Option<Self> {
        let kind = ContentChangeKind::from_stored(&change.kind)?;
        let how = match change.change.as_str() {
            "PUBLISHED" => ChangeType::Published,
            "UPDATED" => ChangeType::Updated,
            "WITHDRAWN" => ChangeType::Withdrawn,
            _ => return None,
        };
        Some(Self {
            cursor: cursor(change.position),
            version: change.position.generation,
            kind,
            id: ID(change.row_id.to_string()),
            slug: change.slug.clone(),
            change: how,
            fields: change.fields.clone(),
            node_ids: change.nodes.iter().map(|id| ID(id.to_string())).collect(),
        })
    }

    /// Whether it concerns one of `kinds`, the nodes of `ids` or the slugs of `slugs`
    /// (each filter given must match).
    pub(crate) fn matches(
        &self,
        kinds: Option<&[ContentChangeKind]>,
        ids: Option<&[ID]>,
        slugs: Option<&[String]>,
    ) -> bool {
        kinds.is_none_or(|kinds| kinds.contains(&self.kind))
            && ids.is_none_or(|ids| {
                ids.contains(&self.id) || self.node_ids.iter().any(|n| ids.contains(n))
            })
            && slugs.is_none_or(|slugs| self.slug.as_ref().is_some_and(|s| slugs.contains(s)))
    }
}

/// A change's place in the feed, as clients hold it.
pub(crate) fn cursor(position: Position) -> String {
    OpaqueCursor(position).encode_cursor()
}

/// The place `raw` names; BAD_USER_INPUT for anything but a cursor of this feed.
pub(crate) fn position(raw: &str) -> async_graphql::Result<Position> {
    OpaqueCursor::<Position>::decode_cursor(raw)
        .map(|cursor| cursor.0)
        .map_err(|_| bad_input("after", "is not a cursor of the change feed"))
}

/// A page of the change feed, oldest change first.
#[derive(SimpleObject)]
pub(crate) struct ChangePage {
    /// The changes of this page, in commit order.
    changes: Vec<ContentChange>,
    /// Where to continue: the last change's cursor, or the cursor asked after when nothing
    /// followed it. Keep it and ask again with `after: endCursor`; nothing is missed and
    /// nothing comes twice.
    end_cursor: Option<String>,
    /// True when more changes follow this page now.
    has_next_page: bool,
}

impl ChangePage {
    pub(crate) fn new(
        changes: Vec<ContentChange>,
        after: Option<String>,
        has_next_page: bool,
    ) -> Self {
        let end_cursor = changes.last().map(|c| c.cursor.clone()).or(after);
        Self {
            changes,
            end_cursor,
            has_next_page,
        }
    }
}
