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
use crate::domain::service::links::{self, Cites, Detail, Direction, Levels, Linked};
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
    /// How much of the links' citations the selection shows: read in the same statement.
    pub cites: Cites,
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
        Self(self.0 | links::read_bit(dir, predicate))
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn reads(self) -> impl Iterator<Item = (Direction, Predicate)> {
        [Direction::Out, Direction::In]
            .into_iter()
            .flat_map(move |dir| {
                Predicate::iter()
                    .filter(move |p| self.0 & links::read_bit(dir, *p) != 0)
                    .map(move |p| (dir, p))
            })
    }
}

/// One edge and the node at its other end.
#[derive(Clone)]
pub(crate) struct LinkRow {
    pub edge: Arc<edge::Model>,
    pub other: Arc<node::Model>,
    /// The edge's citations, when the statement read them (`LinkKey::cites`).
    pub citations: Option<Arc<[CitationRow]>>,
}

/// Which node's links, on which side, with which relation.
type Bucket = (Uuid, Direction, Predicate);

/// The links of one bucket, with the columns and citations they were read with.
struct Kept {
    detail: Detail,
    cites: Cites,
    rows: Arc<[LinkRow]>,
}

/// Links read before their field asked for them, by the statement of their parent's links
/// (`LinkKey::onward`) or of the node itself (`links::page`): every link of the node on that
/// side with that relation, in listing order.
#[derive(Default)]
pub(crate) struct LinksAhead(Mutex<HashMap<Bucket, Kept>>);

impl LinksAhead {
    /// The links `key` asks for, when they were read ahead with at least its detail and
    /// citations.
    pub(crate) fn get(&self, key: &LinkKey) -> Option<Arc<[LinkRow]>> {
        let ahead = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = ahead.get(&(key.node, key.dir, key.predicate))?;
        let detail = kept.detail == Detail::Full || key.detail == Detail::Listing;
        (detail && kept.cites >= key.cites).then(|| kept.rows.clone())
    }

    fn keep(&self, read: HashMap<Bucket, Vec<LinkRow>>, detail: Detail, cites: Cites) {
        let mut ahead = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for (bucket, rows) in read {
            let rows = listing_order(rows);
            ahead.insert(
                bucket,
                Kept {
                    detail,
                    cites,
                    rows,
                },
            );
        }
    }

    /// Keeps what [`links::page`] read of `node`'s links (`batch`, on the `dir` side) for
    /// its link fields, and their far ends' links for theirs.
    pub(crate) fn keep_page(&self, node: Uuid, dir: Direction, batch: &Batch, levels: Levels) {
        let (mut read, ahead) = batch.sort(dir, levels);
        // A relation without links still answers: with none.
        for predicate in &batch.predicates {
            read.entry((node, dir, *predicate)).or_default();
        }
        self.keep(read, batch.detail, batch.cites);
        self.keep(ahead, batch.detail, Cites::No);
    }
}

/// One statement's worth of link keys on one side: what they read together.
pub(crate) struct Batch {
    /// Every relation any key asks for.
    predicates: Vec<Predicate>,
    /// The relations whose far ends have links read ahead.
    via: Vec<Predicate>,
    onward: Vec<(Direction, Predicate)>,
    /// Every column when any key needs them all.
    pub(crate) detail: Detail,
    /// As much of the citations as the most demanding key shows.
    pub(crate) cites: Cites,
}

impl Batch {
    /// What `keys` read together; with `ahead`, the far ends' links they show too.
    pub(crate) fn of<'k>(keys: impl IntoIterator<Item = &'k LinkKey>, ahead: bool) -> Self {
        let mut predicates: Vec<Predicate> = Vec::new();
        let mut via: Vec<Predicate> = Vec::new();
        let mut onward = Onward::default();
        let mut detail = Detail::Listing;
        let mut cites = Cites::No;
        for key in keys {
            if key.detail == Detail::Full {
                detail = Detail::Full;
            }
            cites = cites.max(key.cites);
            if !predicates.contains(&key.predicate) {
                predicates.push(key.predicate);
            }
            if ahead && !key.onward.is_empty() {
                onward = Onward(onward.0 | key.onward.0);
                if !via.contains(&key.predicate) {
                    via.push(key.predicate);
                }
            }
        }
        Self {
            predicates,
            via,
            onward: onward.reads().collect(),
            detail,
            cites,
        }
    }

    /// The read of the first level on the `dir` side.
    pub(crate) fn read(&self, dir: Direction) -> links::Read<'_> {
        links::Read {
            dir,
            predicates: &self.predicates,
            detail: self.detail,
            cites: self.cites,
        }
    }

    /// The far ends' links read in the same statement, if any.
    pub(crate) fn onward(&self) -> Option<links::Onward<'_>> {
        (!self.onward.is_empty()).then_some(links::Onward {
            via: &self.via,
            reads: &self.onward,
        })
    }

    /// The rows of a read on the `dir` side by bucket: the links asked for, and the far ends'
    /// links read ahead. Every far end reached by a `via` link gets its (maybe empty) lists,
    /// so its fields find them all.
    fn sort(
        &self,
        dir: Direction,
        levels: Levels,
    ) -> (HashMap<Bucket, Vec<LinkRow>>, HashMap<Bucket, Vec<LinkRow>>) {
        let mut sources = HashMap::new();
        let mut read: HashMap<Bucket, Vec<LinkRow>> = HashMap::new();
        let mut ahead: HashMap<Bucket, Vec<LinkRow>> = HashMap::new();
        for link in levels.near {
            if self.via.contains(&link.edge.predicate) {
                for (side, predicate) in &self.onward {
                    ahead.entry((link.other.id, *side, *predicate)).or_default();
                }
            }
            let bucket = (near(dir, &link.edge), dir, link.edge.predicate);
            let row = link_row(link, self.cites, &mut sources);
            read.entry(bucket).or_default().push(row);
        }
        for (side, link) in levels.onward {
            let bucket = (near(side, &link.edge), side, link.edge.predicate);
            // A far end no link of the first level shows (a draft) keeps nothing.
            if let Some(rows) = ahead.get_mut(&bucket) {
                rows.push(link_row(link, Cites::No, &mut sources));
            }
        }
        (read, ahead)
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
        for dir in [Direction::Out, Direction::In] {
            let keys: Vec<&LinkKey> = keys.iter().filter(|k| k.dir == dir).collect();
            // A node asked for with several predicates is sent once.
            let mut ids: Vec<Uuid> = Vec::new();
            let mut seen: HashSet<Uuid> = HashSet::new();
            for key in &keys {
                if seen.insert(key.node) {
                    ids.push(key.node);
                }
            }
            if ids.is_empty() {
                continue;
            }
            // One statement per direction: every node with every predicate asked for; the
            // few (node, predicate) pairs nobody asked for are dropped below.
            let batch = Batch::of(keys, self.ahead.is_some());
            let levels = links::of_nodes(
                &self.db,
                &ids,
                dir,
                &batch.predicates,
                self.vis,
                batch.detail,
                batch.cites,
                batch.onward(),
            )
            .await?;
            let (near, ahead) = batch.sort(dir, levels);
            read.extend(near);
            if let Some(store) = &self.ahead {
                store.keep(ahead, batch.detail, Cites::No);
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
    cites: Cites,
    sources: &mut HashMap<Uuid, Arc<entity::source::Model>>,
) -> LinkRow {
    let citations = (cites != Cites::No).then(|| {
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
