//! The SQL of the link reads, built once per shape and kept.
//!
//! A page's statement is the same text for every condition: only its slug (or, for a batch,
//! its ids) changes. Building it with sea-query took about a fifth of an uncached page's
//! allocations (`docs/performance.md`). Each worker thread keeps the statements it built,
//! by [`Shape`], with the per-request values as holes to fill.

use std::cell::RefCell;
use std::num::NonZeroUsize;

use entity::sea_orm_active_enums::{NodeKind, Predicate};
use lru::LruCache;
use sea_orm::sea_query::ArrayType;
use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

use super::links::{self, Cites, Detail, Direction};
use crate::domain::Visibility;

/// Everything a link read's statement depends on except its slug or ids. Two reads of one
/// shape have the same SQL text and the same values in the same places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Shape {
    /// `true` on PostgreSQL, `false` on SQLite: placeholders, quoting, `= ANY` or `IN`.
    pub postgres: bool,
    pub by: By,
    pub dir: Direction,
    /// The relations read, as a set: bit `p as u16` for each.
    pub predicates: u16,
    pub vis: Visibility,
    pub detail: Detail,
    pub cites: Cites,
    /// The onward reads: the relations whose far ends are followed, and the sides and
    /// relations read there, as sets.
    pub onward: Option<(u16, u32)>,
}

/// How a read names its nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum By {
    /// One node, by its kind and slug, read with as much of its own citations as this says.
    Slug(NodeKind, Cites),
    /// A batch of ids: how many on SQLite (`IN` lists one placeholder per id), 0 on
    /// PostgreSQL (one array).
    Ids(usize),
}

/// The set of `predicates`, one bit each.
pub(super) fn predicate_set(predicates: &[Predicate]) -> u16 {
    predicates.iter().fold(0, |set, p| set | 1 << *p as u16)
}

/// The set of onward reads, one bit per side and relation.
pub(super) fn onward_set(reads: &[(Direction, Predicate)]) -> u32 {
    reads
        .iter()
        .fold(0, |set, (dir, p)| set | links::read_bit(*dir, *p))
}

/// [`Shape::onward`] of a read's onward reads.
pub(super) fn onward(onward: Option<links::Onward<'_>>) -> Option<(u16, u32)> {
    onward.map(|o| (predicate_set(o.via), onward_set(o.reads)))
}

/// The slug a statement is built with, found again among its values: no slug can hold NUL.
pub(super) const SLUG: &str = "\0slug";

/// The ids a batch statement of `count` ids is built with, found again among its values:
/// `u128::MAX - i` is the `i`-th, a UUID no generator makes.
pub(super) fn ids(count: usize) -> Vec<Uuid> {
    (0..count)
        .map(|i| Uuid::from_u128(u128::MAX - i as u128))
        .collect()
}

fn id_index(id: &Uuid) -> Option<usize> {
    usize::try_from(u128::MAX - id.as_u128())
        .ok()
        .filter(|i| *i < 1 << 16)
}

/// A statement with the places of its per-request values.
struct Template {
    backend: DbBackend,
    sql: String,
    values: Vec<Value>,
    holes: Vec<(usize, Hole)>,
}

enum Hole {
    Slug,
    /// The `i`-th id, bound alone (SQLite's `IN`).
    Id(usize),
    /// All ids as one array of this type (PostgreSQL's `= ANY`).
    Ids(ArrayType),
}

impl Template {
    fn of(statement: Statement) -> Self {
        let values = statement.values.map(|v| v.0).unwrap_or_default();
        let holes = values
            .iter()
            .enumerate()
            .filter_map(|(at, value)| {
                let hole = match value {
                    Value::String(Some(s)) if s == SLUG => Hole::Slug,
                    Value::Uuid(Some(id)) => Hole::Id(id_index(id)?),
                    Value::Array(ty, Some(items))
                        if items.first().is_some_and(
                            |v| matches!(v, Value::Uuid(Some(id)) if id_index(id).is_some()),
                        ) =>
                    {
                        Hole::Ids(ty.clone())
                    }
                    _ => return None,
                };
                Some((at, hole))
            })
            .collect();
        Self {
            backend: statement.db_backend,
            sql: statement.sql,
            values,
            holes,
        }
    }

    fn fill(&self, slug: &str, ids: &[Uuid]) -> Statement {
        let mut values = self.values.clone();
        for (at, hole) in &self.holes {
            values[*at] = match hole {
                Hole::Slug => Value::String(Some(slug.to_owned())),
                Hole::Id(i) => Value::Uuid(Some(ids[*i])),
                Hole::Ids(ty) => Value::Array(
                    ty.clone(),
                    Some(Box::new(
                        ids.iter().map(|id| Value::Uuid(Some(*id))).collect(),
                    )),
                ),
            };
        }
        Statement::from_sql_and_values(self.backend, self.sql.clone(), values)
    }
}

/// Shapes kept per thread: enough for every page of the schema and the batch sizes SQLite
/// meets; the least recently used goes first.
const KEPT: NonZeroUsize = NonZeroUsize::new(256).unwrap();

thread_local! {
    static KEPT_SHAPES: RefCell<LruCache<Shape, Template>> = RefCell::new(LruCache::new(KEPT));
}

/// The statement of `shape` for `slug` (`By::Slug`) or `ids` (`By::Ids`): built by `build`
/// with [`SLUG`] and [`ids`] the first time on this thread, then filled in.
pub(super) fn statement(
    shape: Shape,
    slug: &str,
    ids: &[Uuid],
    build: impl FnOnce() -> Statement,
) -> Statement {
    KEPT_SHAPES.with_borrow_mut(|kept| {
        kept.get_or_insert(shape, || Template::of(build()))
            .fill(slug, ids)
    })
}

#[cfg(test)]
mod tests {
    use entity::node;
    use sea_orm::{
        ColumnTrait as _, EntityTrait as _, Iterable as _, QueryFilter as _, QueryTrait as _,
    };

    use super::*;
    use crate::domain::service::sql;

    /// A template filled in is the statement built for those values: the same text, the
    /// same values in the same places, the constants kept.
    #[test]
    fn a_filled_statement_is_the_one_built_for_its_values() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let build = |slug: &str, ids: &[Uuid]| {
                node::Entity::find()
                    .filter(node::Column::Slug.eq(slug))
                    .filter(sql::one_of(backend, node::Column::Id, ids))
                    .filter(node::Column::Name.eq("a constant"))
                    .filter(node::Column::Slug.eq(slug))
                    .build(backend)
            };
            let real = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
            let count = if backend == DbBackend::Postgres { 1 } else { 3 };
            let template = Template::of(build(SLUG, &ids(count)));
            assert_eq!(template.holes.len(), 2 + count, "{backend:?}");
            assert_eq!(template.fill("a-slug", &real), build("a-slug", &real));
            assert_eq!(
                template.fill("b", &real[..count]),
                build("b", &real[..count])
            );
        }
    }

    #[test]
    fn sets_have_a_bit_per_member() {
        assert_eq!(predicate_set(&[]), 0);
        let all: Vec<Predicate> = Predicate::iter().collect();
        assert_eq!(predicate_set(&all).count_ones() as usize, all.len());
        let reads: Vec<(Direction, Predicate)> = [Direction::Out, Direction::In]
            .into_iter()
            .flat_map(|d| all.iter().map(move |p| (d, *p)))
            .collect();
        assert_eq!(onward_set(&reads).count_ones() as usize, reads.len());
    }
}
