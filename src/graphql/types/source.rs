//! `Source`: a document citations quote from.

use std::sync::Arc;

use async_graphql::{ID, Object};
use entity::source;

/// A document that citations quote from, such as a consumer-health article.
pub(crate) struct Source(pub(crate) Arc<source::Model>);

/// A document that citations quote from, such as a consumer-health article.
#[Object]
impl Source {
    /// Id of the source.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Stable handle of the source.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Title of the document.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Where the document is published, when known.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Version of the source record; `updateSource` and `deleteSource` take it.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Who published the document, when known.
    async fn publisher(&self) -> Option<&str> {
        self.0.publisher.as_deref()
    }
}
