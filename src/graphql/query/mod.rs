//! The query root, merged from one object per domain.

mod catalog;
mod changes;
mod codes;
mod explore;
mod node;
mod review;
mod source;
mod team;

use async_graphql::MergedObject;

/// Read the published knowledge graph.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    node::NodeQuery,
    catalog::CatalogQuery,
    codes::CodeQuery,
    explore::ExploreQuery,
    source::SourceQuery,
    team::TeamQuery,
    review::ReviewQueueQuery,
    changes::ChangesQuery,
);
