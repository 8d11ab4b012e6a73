//! The typed entry points: one node by slug, and paginated lists per kind.

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions as _, Object, Result};
use entity::sea_orm_active_enums::NodeKind;

use crate::domain::service::nodes;
use crate::graphql::context::state;
use crate::graphql::types::{
    Cause, CauseConnection, Condition, ConditionConnection, NodeFilter, NodeListArgs, NodeOrder,
    NodeRef, Page, Risk, RiskConnection, Symptom, SymptomConnection, Treatment,
    TreatmentConnection, node_page,
};

#[derive(Default)]
pub struct CatalogQuery;

async fn by_slug<T: From<NodeRef>>(
    ctx: &Context<'_>,
    kind: NodeKind,
    slug: &str,
) -> Result<Option<T>> {
    let state = state(ctx)?;
    let row = nodes::by_slug(&state.db, Some(kind), slug, state.visibility())
        .await
        .map_err(|e| e.extend())?;
    Ok(row.map(|r| T::from(Arc::new(r))))
}

async fn list<T: From<NodeRef>, C: From<Page<T>>>(
    ctx: &Context<'_>,
    kind: NodeKind,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<NodeFilter>,
    order_by: Option<NodeOrder>,
) -> Result<C> {
    let args = NodeListArgs {
        first,
        after,
        filter,
        order_by,
    };
    Ok(node_page(ctx, kind, args).await?.into())
}

#[Object]
impl CatalogQuery {
    /// A condition by slug, e.g. `postpartum-low-back-pain`; `null` when there is none.
    async fn condition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The condition's slug.")] slug: String,
    ) -> Result<Option<Condition>> {
        by_slug(ctx, NodeKind::Condition, &slug).await
    }
    /// A cause by slug; `null` when there is none.
    async fn cause(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cause's slug.")] slug: String,
    ) -> Result<Option<Cause>> {
        by_slug(ctx, NodeKind::Cause, &slug).await
    }
    /// A symptom by slug; `null` when there is none.
    async fn symptom(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The symptom's slug.")] slug: String,
    ) -> Result<Option<Symptom>> {
        by_slug(ctx, NodeKind::Symptom, &slug).await
    }
    /// A risk by slug; `null` when there is none.
    async fn risk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The risk's slug.")] slug: String,
    ) -> Result<Option<Risk>> {
        by_slug(ctx, NodeKind::Risk, &slug).await
    }
    /// A treatment by slug; `null` when there is none.
    async fn treatment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The treatment's slug.")] slug: String,
    ) -> Result<Option<Treatment>> {
        by_slug(ctx, NodeKind::Treatment, &slug).await
    }

    /// Conditions, a page at a time.
    async fn conditions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size, from 0 to the page-size limit (`--max-page-size`, default 100); 20 when absent."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<NodeFilter>,
        #[graphql(desc = "Order (default: by name, ascending).")] order_by: Option<NodeOrder>,
    ) -> Result<ConditionConnection> {
        list(ctx, NodeKind::Condition, first, after, filter, order_by).await
    }
    /// Causes, a page at a time.
    async fn causes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size, from 0 to the page-size limit (`--max-page-size`, default 100); 20 when absent."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<NodeFilter>,
        #[graphql(desc = "Order (default: by name, ascending).")] order_by: Option<NodeOrder>,
    ) -> Result<CauseConnection> {
        list(ctx, NodeKind::Cause, first, after, filter, order_by).await
    }
    /// Symptoms, a page at a time.
    async fn symptoms(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size, from 0 to the page-size limit (`--max-page-size`, default 100); 20 when absent."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<NodeFilter>,
        #[graphql(desc = "Order (default: by name, ascending).")] order_by: Option<NodeOrder>,
    ) -> Result<SymptomConnection> {
        list(ctx, NodeKind::Symptom, first, after, filter, order_by).await
    }
    /// Risks, a page at a time.
    async fn risks(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size, from 0 to the page-size limit (`--max-page-size`, default 100); 20 when absent."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<NodeFilter>,
        #[graphql(desc = "Order (default: by name, ascending).")] order_by: Option<NodeOrder>,
    ) -> Result<RiskConnection> {
        list(ctx, NodeKind::Risk, first, after, filter, order_by).await
    }
    /// Treatments, a page at a time.
    async fn treatments(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size, from 0 to the page-size limit (`--max-page-size`, default 100); 20 when absent."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge of the previous page.")] after: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<NodeFilter>,
        #[graphql(desc = "Order (default: by name, ascending).")] order_by: Option<NodeOrder>,
    ) -> Result<TreatmentConnection> {
        list(ctx, NodeKind::Treatment, first, after, filter, order_by).await
    }
}
