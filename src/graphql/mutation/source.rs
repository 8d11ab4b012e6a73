//! Sources and citations.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::content::CitationInput;
use super::{gql, uuid};
use crate::domain::rules::auth::Permission;
use crate::domain::rules::validate::{Quote, Slug};
use crate::domain::service::citations::NewCitation;
use crate::domain::service::source_write::{self, SourceFields};
use crate::domain::service::tx;
use crate::graphql::context::state;
use crate::graphql::loaders::CitationRow;
use crate::graphql::types::{Citation, Source};

/// A new source document.
#[derive(InputObject)]
pub(crate) struct CreateSourceInput {
    /// Stable handle: lowercase words joined by hyphens.
    pub slug: String,
    /// Title of the document.
    pub title: String,
    /// Where it is published.
    pub url: Option<String>,
    /// Who published it.
    pub publisher: Option<String>,
    /// Its full text: when given, every quote citing it must be a verbatim passage of it.
    pub content: Option<String>,
}

/// A change to a source's description.
#[derive(InputObject)]
pub(crate) struct UpdateSourceInput {
    /// The source.
    pub id: ID,
    /// The version you read.
    pub version: i32,
    /// New title.
    pub title: Option<String>,
    /// New URL.
    pub url: MaybeUndefined<String>,
    /// New publisher.
    pub publisher: MaybeUndefined<String>,
}

/// A citation to add to a node or a link.
#[derive(InputObject)]
pub(crate) struct AddCitationInput {
    /// The node or link it backs.
    pub target_id: ID,
    /// The passage.
    pub citation: CitationInput,
}

#[derive(Default)]
pub struct SourceMutation;

#[Object]
impl SourceMutation {
    /// Adds a source document (editor or admin).
    async fn create_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new source.")] input: CreateSourceInput,
    ) -> Result<Source> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let slug = gql(Slug::parse("slug", input.slug))?;
        let row = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move {
                source_write::create(
                    txn,
                    &actor,
                    slug,
                    input.title,
                    input.url,
                    input.publisher,
                    input.content,
                )
                .await
            })
        })
        .await)?;
        Ok(Source(Arc::new(row)))
    }

    /// Changes a source's description (editor or admin).
    async fn update_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: UpdateSourceInput,
    ) -> Result<Source> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let id = uuid("id", &input.id)?;
        let (version, fields) = (
            input.version,
            SourceFields {
                title: input.title,
                url: input.url.into(),
                publisher: input.publisher.into(),
            },
        );
        let row = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { source_write::update(txn, &actor, id, version, fields).await })
        })
        .await)?;
        Ok(Source(Arc::new(row)))
    }

    /// Deletes a source and every citation of it (admin). Returns the deleted id.
    async fn delete_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source.")] id: ID,
        #[graphql(desc = "The version you read.")] version: i32,
    ) -> Result<ID> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Admin)?;
        let uid = uuid("id", &id)?;
        gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { source_write::delete(txn, &actor, uid, version).await })
        })
        .await)?;
        Ok(id)
    }

    /// Adds a citation to a node or a link (editor or admin). It reaches readers when the
    /// target is next published.
    async fn add_citation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The citation and what it backs.")] input: AddCitationInput,
    ) -> Result<Citation> {
        let state = state(ctx)?;
        let actor = state.require(Permission::Edit)?;
        let target = uuid("targetId", &input.target_id)?;
        let c = NewCitation {
            source_id: uuid("citation.sourceId", &input.citation.source_id)?,
            quote: gql(Quote::parse("citation[0].quote", input.citation.quote))?,
        };
        let (row, source) = gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move {
                let row = source_write::add_citation(txn, &actor, target, c).await?;
                let source = crate::domain::service::sources::by_id(txn, row.source_id).await?;
                Ok((row, source))
            })
        })
        .await)?;
        Ok(Citation(CitationRow {
            citation: Arc::new(row),
            source: Arc::new(source),
        }))
    }

    /// Removes a citation: a draft one (editor or admin), a published one (reviewer or
    /// admin). Returns the removed id.
    async fn remove_citation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The citation.")] id: ID,
    ) -> Result<ID> {
        let state = state(ctx)?;
        // Any content-team token gets past here; which role it takes depends on the citation.
        let actor = state.require(Permission::ReadDrafts)?;
        let uid = uuid("id", &id)?;
        gql(tx::write(state.db.pool(), move |txn| {
            Box::pin(async move { source_write::remove_citation(txn, &actor, uid).await })
        })
        .await)?;
        Ok(id)
    }
}
