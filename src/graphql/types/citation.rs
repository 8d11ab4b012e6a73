//! `Citation`: a verbatim passage of a source.

use async_graphql::{ID, Object};

use super::Source;
use crate::graphql::loaders::CitationRow;

/// A verbatim passage of a source that backs a node or a link.
pub(crate) struct Citation(pub(crate) CitationRow);

/// A verbatim passage of a source that backs a node or a link.
#[Object]
impl Citation {
    /// Id of the citation.
    async fn id(&self) -> ID {
        ID(self.0.citation.id.to_string())
    }
    /// The exact words of the source, typos and punctuation included.
    async fn quote(&self) -> &str {
        &self.0.citation.quote
    }
    /// The source quoted.
    async fn source(&self) -> Source {
        Source(self.0.source.clone())
    }
}
