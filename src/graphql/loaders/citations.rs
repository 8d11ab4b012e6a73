//! Citations of many nodes and edges with their sources, one statement per batch.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{citation, source};
use uuid::Uuid;

use crate::db::CountingConn;
use crate::domain::Visibility;
use crate::domain::service::links;
use crate::graphql::error::LoadError;

/// What a citation backs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CitedBy {
    Node(Uuid),
    Edge(Uuid),
}

#[derive(Clone)]
pub(crate) struct CitationRow {
    pub citation: Arc<citation::Model>,
    pub source: Arc<source::Model>,
}

impl CitationRow {
    /// A row whose source is shared with the other citations of `sources` (source rows
    /// repeat across citations: one allocation per source).
    pub(crate) fn shared(
        citation: citation::Model,
        source: source::Model,
        sources: &mut HashMap<Uuid, Arc<source::Model>>,
    ) -> Self {
        let source = sources
            .entry(source.id)
            .or_insert_with(|| Arc::new(source))
            .clone();
        Self {
            citation: Arc::new(citation),
            source,
        }
    }
}

pub(crate) struct CitationsLoader {
    db: CountingConn,
    vis: Visibility,
}

impl CitationsLoader {
    pub fn new(db: CountingConn, vis: Visibility) -> Self {
        Self { db, vis }
    }
}

impl Loader<CitedBy> for CitationsLoader {
    type Value = Arc<[CitationRow]>;
    type Error = LoadError;

    async fn load(&self, keys: &[CitedBy]) -> Result<HashMap<CitedBy, Self::Value>, Self::Error> {
        let (mut nodes, mut edges) = (Vec::new(), Vec::new());
        for key in keys {
            match key {
                CitedBy::Node(id) => nodes.push(*id),
                CitedBy::Edge(id) => edges.push(*id),
            }
        }
        let mut grouped: HashMap<CitedBy, Vec<CitationRow>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        let mut sources = HashMap::new();
        for (c, s) in links::citations_of(&self.db, &nodes, &edges, self.vis).await? {
            let key = match (c.node_id, c.edge_id) {
                (Some(n), _) => CitedBy::Node(n),
                (None, Some(e)) => CitedBy::Edge(e),
                (None, None) => continue,
            };
            if let Some(rows) = grouped.get_mut(&key) {
                rows.push(CitationRow::shared(c, s, &mut sources));
            }
        }
        Ok(grouped.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}
