//! Linking and unlinking nodes.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::edge;
use sea_orm::ConnectionTrait;

use super::content::{CitationInput, citations};
use super::{gql, uuid};
use crate::domain::DomainError;
use crate::domain::rules::auth::Permission;
use crate::domain::rules::content::{LinkAttributes, LinkPatch};
use crate::domain::service::edge_write::{self, NewLink};
use crate::domain::service::tx;
use crate::graphql::context::state;
use crate::graphql::types::{Link, Predicate, TreatmentPlace};

/// A new link "subject predicate object". It starts as a DRAFT.
#[derive(InputObject)]
pub(crate) struct LinkInput {
    /// The subject node.
    pub subject_id: ID,
    /// The relation; the kinds of the two nodes must fit it.
    pub predicate: Predicate,
    /// The object node.
    pub object_id: ID,
    #[graphql(flatten)]
    pub attributes: LinkAttributesInput,
    /// The passages the link rests on: at least one.
    pub citations: Vec<CitationInput>,
}

/// The attributes of a new link.
#[derive(InputObject)]
pub(crate) struct LinkAttributesInput {
    /// True when the source denies the link.
    #[graphql(default)]
    pub negated: bool,
    /// For treated_by: where the treatment stands.
    pub place: Option<TreatmentPlace>,
    /// Onset, duration or resolution, in the source's words.
    pub timing: Option<String>,
    /// When the link applies, or when to act.
    pub circumstance: Option<String>,
    /// Practical instructions from the source.
    pub how_to: Option<String>,
    /// Editorial note.
    pub note: Option<String>,
}

impl From<LinkAttributesInput> for LinkAttributes {
    fn from(input: LinkAttributesInput) -> Self {
        Self {
            negated: input.negated,
            place: input.place.map(Into::into),
            timing: input.timing,
            circumstance: input.circumstance,
            how_to: input.how_to,
            note: input.note,
        }
    }
}

impl UpdateLinkInput {
    /// The link, the version read and the change; `at` prefixes the field names of errors.
    pub(crate) fn into_patch(self, at: &str) -> Result<(uuid::Uuid, i32, LinkPatch)> {
        Ok((
            uuid(&format!("{at}id"), &self.id)?,
            self.version,
            LinkPatch {
                negated: self.negated,
                place: self.place.map_value(Into::into).into(),
                timing: self.timing.into(),
                circumstance: self.circumstance.into(),
                how_to: self.how_to.into(),
                note: self.note.into(),
            },
        ))
    }
}

/// A change to a link's attributes; on a published link it waits for review.
#[derive(InputObject)]
pub(crate) struct UpdateLinkInput {
    /// The link.
    pub id: ID,
    /// The version you read; a stale one is a CONFLICT.
    pub version: i32,
    /// New negation.
    pub negated: Option<bool>,
    /// New place.
    pub place: MaybeUndefined<TreatmentPlace>,
    /// New timing.
    pub timing: MaybeUndefined<String>,
    /// New circumstance.
    pub circumstance: MaybeUndefined<String>,
    /// New instructions.
    pub how_to: MaybeUndefined<String>,
    /// New note.
    pub note: MaybeUndefined<String>,
}

/// The link with both ends, read in the same transaction as the write.
pub(crate) async fn with_ends(
    db: &impl ConnectionTrait,
    row: edge::Model,
) -> Result<Link, DomainError> {
    let (edge, subject, object) = edge_write::with_ends(db, row).await?;
    Ok(Link {
        edge: Arc::new(edge),
        subject: Arc::new(subject),
        object: Arc::new(object),
    })
}

#[derive(Default)]
pub struct LinkMutation;

#[Object]
impl LinkMutation {
    /// Links two nodes (editor or admin). The predicate must allow the two kinds; a node
    /// cannot be linked to itself; the same link cannot exist twice.
    async fn link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new link.")] input: LinkInput,
    ) -> Result<Link> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let new = NewLink {
            subject_id: uuid("subjectId", &input.subject_id)?,
            predicate: input.predicate.into(),
            object_id: uuid("objectId", &input.object_id)?,
            citations: citations("citations", &input.citations)?,
            attributes: input.attributes.into(),
        };
        gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(
                async move { with_ends(txn, edge_write::create(txn, &actor, new).await?).await },
            )
        })
        .await)
    }

    /// Changes a link's attributes (editor or admin).
    async fn update_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: UpdateLinkInput,
    ) -> Result<Link> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let (id, version, p) = input.into_patch("")?;
        gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move {
                with_ends(txn, edge_write::update(txn, &actor, id, version, p).await?).await
            })
        })
        .await)
    }

    /// Removes a link. A draft link: editor or admin; a published one changes what readers
    /// see, so it takes a reviewer or admin (or archive it). Returns the removed id.
    async fn unlink(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link.")] id: ID,
        #[graphql(desc = "The version you read.")] version: i32,
    ) -> Result<ID> {
        let state = state(ctx)?;
        // Any content-team token gets past here; which role it takes depends on the link.
        let actor = state.require(Permission::ReadDrafts)?;
        let uid = uuid("id", &id)?;
        gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { edge_write::delete(txn, &actor, uid, version).await })
        })
        .await)?;
        Ok(id)
    }
}
