//! Edges of many nodes with the node at their other end, one statement per direction.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::sea_orm_active_enums::Predicate;
use entity::{edge, node};
use uuid::Uuid;

use crate::db::CountingConn;
use crate::domain::Visibility;
use crate::domain::service::links::{self, Detail, Direction};
use crate::graphql::error::LoadError;
use crate::graphql::loaders::CitationRow;

/// A plain Copy key: hashing it is cheap, unlike a formatted string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct LinkKey {
    pub node: Uuid,
    pub dir: Direction,
    /// Only links of this relation: a list of conditions with their symptoms must not read
    /// (and decode) every treatment and cause link as well.
    pub predicate: Predicate,
    /// The columns the selection reads (`graphql::types::detail`).
    pub detail: Detail,
    /// The selection shows the links' citations: they are read in the same statement.
    pub cited: bool,
}

/// One edge and the node at its other end.
#[derive(Clone)]
pub(crate) struct LinkRow {
    pub edge: Arc<edge::Model>,
    pub other: Arc<node::Model>,
    /// The edge's citations, when the statement read them (`LinkKey::cited`).
    pub citations: Option<Arc<[CitationRow]>>,
}

pub(crate) struct LinksLoader {
    db: CountingConn,
    vis: Visibility,
}

impl LinksLoader {
    pub fn new(db: CountingConn, vis: Visibility) -> Self {
        Self { db, vis }
    }
}

impl Loader<LinkKey> for LinksLoader {
    type Value = Arc<[LinkRow]>;
    type Error = LoadError;

    async fn load(&self, keys: &[LinkKey]) -> Result<HashMap<LinkKey, Self::Value>, Self::Error> {
        let mut grouped: HashMap<LinkKey, Vec<LinkRow>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        let mut sources = HashMap::new();
        for dir in [Direction::Out, Direction::In] {
            let mut ids: Vec<Uuid> = Vec::new();
            let mut seen: HashSet<Uuid> = HashSet::new();
            let mut predicates: Vec<Predicate> = Vec::new();
            let mut detail = Detail::Listing;
            let mut cited = false;
            for key in keys.iter().filter(|k| k.dir == dir) {
                // One statement: every column when any key of the batch needs them all, the
                // citations when any needs them.
                if key.detail == Detail::Full {
                    detail = Detail::Full;
                }
                cited |= key.cited;
                // A node asked for with several predicates is sent once.
                if seen.insert(key.node) {
                    ids.push(key.node);
                }
                if !predicates.contains(&key.predicate) {
                    predicates.push(key.predicate);
                }
            }
            if ids.is_empty() {
                continue;
            }
            // One statement per direction: every node with every predicate asked for; the
            // few (node, predicate) pairs nobody asked for are dropped below.
            let rows =
                links::of_nodes(&self.db, &ids, dir, &predicates, self.vis, detail, cited).await?;
            for link in rows {
                let near = match dir {
                    Direction::Out => link.edge.subject_id,
                    Direction::In => link.edge.object_id,
                };
                let citations = cited.then(|| {
                    link.citations
                        .into_iter()
                        .map(|(citation, source)| {
                            CitationRow::shared(citation, source, &mut sources)
                        })
                        .collect()
                });
                let row = LinkRow {
                    edge: Arc::new(link.edge),
                    other: Arc::new(link.other),
                    citations,
                };
                // A full row serves the keys that asked for a listing too, a cited row those
                // that did not ask for citations.
                for (detail, cited) in [
                    (Detail::Listing, false),
                    (Detail::Full, false),
                    (Detail::Listing, true),
                    (Detail::Full, true),
                ] {
                    let key = LinkKey {
                        node: near,
                        dir,
                        predicate: row.edge.predicate,
                        detail,
                        cited,
                    };
                    if let Some(rows) = grouped.get_mut(&key) {
                        rows.push(row.clone());
                    }
                }
            }
        }
        Ok(grouped
            .into_iter()
            .map(|(k, mut v)| {
                // Stable: within a place, the name order of the query stands.
                v.sort_by_key(|r| links::place_rank(r.edge.place));
                (k, v.into())
            })
            .collect())
    }
}
