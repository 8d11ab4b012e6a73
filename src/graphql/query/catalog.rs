//! The typed entry points: one node by slug, and paginated lists per kind.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions as _, MergedObject, Object, Result};
use entity::sea_orm_active_enums::NodeKind;
use uuid::Uuid;

use crate::domain::service::links::Cites;
use crate::domain::service::{links, nodes};
use crate::graphql::context::{RequestState, state};
use crate::graphql::loaders::{CitationRow, CitedBy};
use crate::graphql::types::{
    Cause, CauseConnection, Condition, ConditionConnection, NodeFilter, NodeListArgs, NodeOrder,
    NodeRef, Page, Risk, RiskConnection, Symptom, SymptomConnection, Treatment,
    TreatmentConnection, node_page,
};
use crate::graphql::types::{detail, node};

async fn by_slug<T: From<NodeRef>>(
    ctx: &Context<'_>,
    kind: NodeKind,
    slug: &str,
) -> Result<Option<T>> {
    let state = state(ctx)?;
    let vis = state.visibility();
    let cites = detail::cites(ctx.field());
    // The page shows links: read them with the node, in one statement.
    if state.reads_along()
        && let Some((dir, batch)) = node::page_links(ctx.field(), kind)
    {
        let read = batch.read(dir);
        let Some(page) = links::page(&state.db, kind, slug, vis, cites, read, batch.onward())
            .await
            .map_err(|e| e.extend())?
        else {
            return Ok(None);
        };
        if cites != Cites::No {
            keep_citations(state, page.node.id, cites, page.citations);
        }
        state.keep_page_links(page.node.id, dir, &batch, page.links);
        return Ok(Some(T::from(Arc::new(page.node))));
    }
    if cites == Cites::No {
        let row = nodes::by_slug(&state.db, Some(kind), slug, vis)
            .await
            .map_err(|e| e.extend())?;
        return Ok(row.map(|r| T::from(Arc::new(r))));
    }
    // The page shows the node's citations: read them in the same statement.
    let Some((row, cited)) = nodes::by_slug_cited(&state.db, Some(kind), slug, vis)
        .await
        .map_err(|e| e.extend())?
    else {
        return Ok(None);
    };
    keep_citations(state, row.id, Cites::Sources, cited);
    Ok(Some(T::from(Arc::new(row))))
}

/// Keeps a node's citations, read with it, for its `citations` field.
fn keep_citations(
    state: &RequestState,
    node: Uuid,
    cites: Cites,
    cited: Vec<(entity::citation::Model, entity::source::Model)>,
) {
    let mut sources = HashMap::new();
    let citations = cited
        .into_iter()
        .map(|(citation, source)| CitationRow::shared(citation, source, &mut sources))
        .collect();
    state.keep_read_along(CitedBy::Node(node), cites, citations);
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

/// The two entry points of one node kind: one by slug, and a page of all. Adding a kind is one
/// line of `catalog!` below (with its GraphQL types).
macro_rules! catalog {
    ($($query:ident: $one:ident($one_doc:literal, $slug_doc:literal) -> $ty:ident,
       $many:ident($many_doc:literal) -> $connection:ident = $kind:ident;)*) => {
        $(
            #[derive(Default)]
            pub struct $query;

            #[Object]
            impl $query {
                #[doc = $one_doc]
                async fn $one(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(desc = $slug_doc)] slug: String,
                ) -> Result<Option<$ty>> {
                    by_slug(ctx, NodeKind::$kind, &slug).await
                }

                #[doc = $many_doc]
                async fn $many(
                    &self,
                    ctx: &Context<'_>,
                    #[graphql(
                        desc = "Page size, from 0 to the page-size limit (`--max-page-size`, default 100); 20 when absent."
                    )]
                    first: Option<i32>,
                    #[graphql(desc = "Cursor of the last edge of the previous page.")]
                    after: Option<String>,
                    #[graphql(desc = "Filters.")] filter: Option<NodeFilter>,
                    #[graphql(desc = "Order (default: by name, ascending).")]
                    order_by: Option<NodeOrder>,
                ) -> Result<$connection> {
                    list(ctx, NodeKind::$kind, first, after, filter, order_by).await
                }
            }
        )*

        /// The typed entry points of every kind.
        #[derive(MergedObject, Default)]
        pub struct CatalogQuery($($query),*);
    };
}

catalog! {
    ConditionQuery: condition(
        "A condition by slug, e.g. `postpartum-low-back-pain`; `null` when there is none.",
        "The condition's slug."
    ) -> Condition, conditions("Conditions, a page at a time.") -> ConditionConnection = Condition;
    CauseQuery: cause("A cause by slug; `null` when there is none.", "The cause's slug.")
        -> Cause, causes("Causes, a page at a time.") -> CauseConnection = Cause;
    SymptomQuery: symptom("A symptom by slug; `null` when there is none.", "The symptom's slug.")
        -> Symptom, symptoms("Symptoms, a page at a time.") -> SymptomConnection = Symptom;
    RiskQuery: risk("A risk by slug; `null` when there is none.", "The risk's slug.")
        -> Risk, risks("Risks, a page at a time.") -> RiskConnection = Risk;
    TreatmentQuery: treatment(
        "A treatment by slug; `null` when there is none.",
        "The treatment's slug."
    ) -> Treatment, treatments("Treatments, a page at a time.") -> TreatmentConnection = Treatment;
}
