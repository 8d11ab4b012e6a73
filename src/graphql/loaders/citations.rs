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
        // Source rows repeat across citations; share one allocation per source.
        let mut sources: HashMap<Uuid, Arc<source::Model>> = HashMap::new();
        for (c, s) in links::citations_of(&self.db, &nodes, &edges, self.vis).await? {
            let key = match (c.node_id, c.edge_id) {
                (Some(n), _) => CitedBy::Node(n),
                (None, Some(e)) => CitedBy::Edge(e),
                (None, None) => continue,
            };
            let source = sources.entry(s.id).or_insert_with(|| Arc::new(s)).clone();
            if let Some(rows) = grouped.get_mut(&key) {
                rows.push(CitationRow {
                    citation: Arc::new(c),
                    source,
                });
            }
        }
        Ok(grouped.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}
