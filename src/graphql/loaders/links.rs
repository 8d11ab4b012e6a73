//! Edges of many nodes with the node at their other end, one statement per direction, and
//! the far ends' own links when the selection shows them too.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::dataloader::Loader;
use entity::sea_orm_active_enums::Predicate;
use entity::{edge, node};
use sea_orm::Iterable as _;
use uuid::Uuid;

use crate::db::CountingConn;
use crate::domain::Visibility;
use crate::domain::service::links::{self, Detail, Direction, Linked};
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
    /// The far ends' links the selection shows: read in the same statement, kept in
    /// [`LinksAhead`].
    pub onward: Onward,
}

/// Which links of its far ends a selection of links shows, one bit per side and relation
/// (`treatmentLinks { treatment { risks { name } } }`: the treatments' outgoing
/// `has_adverse_risk` links).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Onward(u32);

impl Onward {
    pub(crate) fn with(self, dir: Direction, predicate: Predicate) -> Self {
        Self(self.0 | bit(dir, predicate))
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn reads(self) -> impl Iterator<Item = (Direction, Predicate)> {
        [Direction::Out, Direction::In]
            .into_iter()
            .flat_map(move |dir| {
                Predicate::iter()
                    .filter(move |p| self.0 & bit(dir, *p) != 0)
                    .map(move |p| (dir, p))
            })
    }
}

fn bit(dir: Direction, predicate: Predicate) -> u32 {
    1 << (predicate as u32 * 2 + dir as u32)
}

/// One edge and the node at its other end.
#[derive(Clone)]
pub(crate) struct LinkRow {
    pub edge: Arc<edge::Model>,
    pub other: Arc<node::Model>,
    /// The edge's citations, when the statement read them (`LinkKey::cited`).
    pub citations: Option<Arc<[CitationRow]>>,
}

/// Which node's links, on which side, with which relation.
type Bucket = (Uuid, Direction, Predicate);

/// The links of one bucket, with the columns they were read with.
type ReadAhead = (Detail, Arc<[LinkRow]>);

/// Links read a level early (`LinkKey::onward`), for the far ends' own fields: every link
/// of the node on that side with that relation, in listing order, without citations.
#[derive(Default)]
pub(crate) struct LinksAhead(Mutex<HashMap<Bucket, ReadAhead>>);

impl LinksAhead {
    /// The links `key` asks for, when they were read ahead with at least its detail.
    pub(crate) fn get(&self, key: &LinkKey) -> Option<Arc<[LinkRow]>> {
        if key.cited {
            return None;
        }
        let ahead = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (detail, rows) = ahead.get(&(key.node, key.dir, key.predicate))?;
        (*detail == Detail::Full || key.detail == Detail::Listing).then(|| rows.clone())
    }

    fn keep(&self, read: HashMap<Bucket, Vec<LinkRow>>, detail: Detail) {
        let mut ahead = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (bucket, rows) in read {
            ahead.insert(bucket, (detail, listing_order(rows)));
        }
    }
}

pub(crate) struct LinksLoader {
    db: CountingConn,
    vis: Visibility,
    /// Where links read a level early go; `None`: this request reads none ahead.
    ahead: Option<Arc<LinksAhead>>,
}

impl LinksLoader {
    pub fn new(db: CountingConn, vis: Visibility, ahead: Option<Arc<LinksAhead>>) -> Self {
        Self { db, vis, ahead }
    }
}

impl Loader<LinkKey> for LinksLoader {
    type Value = Arc<[LinkRow]>;
    type Error = LoadError;

    async fn load(&self, keys: &[LinkKey]) -> Result<HashMap<LinkKey, Self::Value>, Self::Error> {
        let mut read: HashMap<Bucket, Vec<LinkRow>> = HashMap::new();
        let mut sources = HashMap::new();
        for dir in [Direction::Out, Direction::In] {
            let mut ids: Vec<Uuid> = Vec::new();
            let mut seen: HashSet<Uuid> = HashSet::new();
            let mut predicates: Vec<Predicate> = Vec::new();
            let mut via: Vec<Predicate> = Vec::new();
            let mut onward = Onward::default();
            let mut detail = Detail::Listing;
            let mut cited = false;
            for key in keys.iter().filter(|k| k.dir == dir) {
                // One statement: every column when any key of the batch needs them all, the
                // citations when any needs them, the far ends' links any key shows.
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
                if !key.onward.is_empty() && self.ahead.is_some() {
                    onward = Onward(onward.0 | key.onward.0);
                    if !via.contains(&key.predicate) {
                        via.push(key.predicate);
                    }
                }
            }
            if ids.is_empty() {
                continue;
            }
            let reads: Vec<(Direction, Predicate)> = onward.reads().collect();
            let ahead_of = (!reads.is_empty()).then_some(links::Onward {
                via: &via,
                reads: &reads,
            });
            // One statement per direction: every node with every predicate asked for; the
            // few (node, predicate) pairs nobody asked for are dropped below.
            let levels = links::of_nodes(
                &self.db,
                &ids,
                dir,
                &predicates,
                self.vis,
                detail,
                cited,
                ahead_of,
            )
            .await?;
            // Every far end reached by a `via` link gets its (maybe empty) lists read ahead,
            // so its fields find them all.
            let mut ahead: HashMap<Bucket, Vec<LinkRow>> = HashMap::new();
            for link in levels.near {
                if via.contains(&link.edge.predicate) {
                    for (side, predicate) in &reads {
                        ahead.entry((link.other.id, *side, *predicate)).or_default();
                    }
                }
                let bucket = (near(dir, &link.edge), dir, link.edge.predicate);
                let row = link_row(link, cited, &mut sources);
                read.entry(bucket).or_default().push(row);
            }
            for (side, link) in levels.onward {
                let bucket = (near(side, &link.edge), side, link.edge.predicate);
                // A far end no link of the first level shows (a draft) keeps nothing.
                if let Some(rows) = ahead.get_mut(&bucket) {
                    rows.push(link_row(link, false, &mut sources));
                }
            }
            if let Some(store) = &self.ahead {
                store.keep(ahead, detail);
            }
        }
        let read: HashMap<Bucket, Arc<[LinkRow]>> = read
            .into_iter()
            .map(|(bucket, rows)| (bucket, listing_order(rows)))
            .collect();
        // Every row read serves every key of its bucket: the statement read the columns and
        // citations the most demanding key asked for.
        Ok(keys
            .iter()
            .map(|key| {
                let rows = read
                    .get(&(key.node, key.dir, key.predicate))
                    .cloned()
                    .unwrap_or_else(|| Arc::new([]));
                (*key, rows)
            })
            .collect())
    }
}

/// The node of `edge` on the `dir` side: the one whose links were read.
fn near(dir: Direction, edge: &edge::Model) -> Uuid {
    match dir {
        Direction::Out => edge.subject_id,
        Direction::In => edge.object_id,
    }
}

fn link_row(
    link: Linked,
    cited: bool,
    sources: &mut HashMap<Uuid, Arc<entity::source::Model>>,
) -> LinkRow {
    let citations = cited.then(|| {
        link.citations
            .into_iter()
            .map(|(citation, source)| CitationRow::shared(citation, source, sources))
            .collect()
    });
    LinkRow {
        edge: Arc::new(link.edge),
        other: Arc::new(link.other),
        citations,
    }
}

/// Rows read in the far end's name order, placed: treatments by their place (stable, so the
/// name order stands within one), then the rest.
fn listing_order(mut rows: Vec<LinkRow>) -> Arc<[LinkRow]> {
    rows.sort_by_key(|r| links::place_rank(r.edge.place));
    rows.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every side and relation has a bit of its own in the 32 of `Onward`.
    #[test]
    fn every_onward_read_has_its_own_bit() {
        let mut all = Onward::default();
        let mut count = 0;
        for dir in [Direction::Out, Direction::In] {
            for predicate in Predicate::iter() {
                let one = Onward::default().with(dir, predicate);
                assert_eq!(one.reads().collect::<Vec<_>>(), [(dir, predicate)]);
                assert_eq!(all.0 & one.0, 0, "{dir:?} {predicate:?} shares a bit");
                all = Onward(all.0 | one.0);
                count += 1;
            }
        }
        assert_eq!(all.reads().count(), count);
    }
}
