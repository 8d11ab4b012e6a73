//! Rows of the hot reads (a node's links with their far ends, citations) decoded by
//! position, straight from the driver's row.
//!
//! SeaORM's `FromQueryResult` finds every column by its name, a hash per column and row, and
//! for every NULL it formats the column's name into an error that it then throws away. On an
//! uncached condition page (some 30 links, 40 citations) that decoding was a third of the
//! server's instructions (`bench/PLANS.md`, "Where the server's CPU went").

use std::cell::RefCell;

use chrono::DateTime;
use entity::sea_orm_active_enums::Status;
use entity::{citation, edge, node, source};
use sea_orm::sqlx::{self, Decode, Postgres, Row as _, Sqlite, Type};
use sea_orm::{ActiveEnum, DbErr, QueryResult};
use uuid::Uuid;

use super::links::Cites;

/// The columns of one row, read left to right.
pub(crate) struct Columns<'a> {
    row: Driver<'a>,
    next: usize,
}

enum Driver<'a> {
    Postgres(&'a sqlx::postgres::PgRow),
    Sqlite(&'a sqlx::sqlite::SqliteRow),
}

impl<'a> Columns<'a> {
    pub(crate) fn of(row: &'a QueryResult) -> Result<Self, DbErr> {
        let row = if let Some(pg) = row.try_as_pg_row() {
            Driver::Postgres(pg)
        } else if let Some(sqlite) = row.try_as_sqlite_row() {
            Driver::Sqlite(sqlite)
        } else {
            return Err(DbErr::Type("a row of an unknown driver".to_owned()));
        };
        Ok(Self { row, next: 0 })
    }

    /// The next column's value; `Option<T>` for a nullable one.
    ///
    /// Unchecked: sqlx's check that the column's type suits `T` compares type descriptions
    /// for every value (5% of a condition page). The statements of this module name their
    /// columns, the migrations fix their types, and a decoder still refuses bytes that are
    /// not its type's.
    pub(crate) fn get<T>(&mut self) -> Result<T, DbErr>
    where
        T: for<'r> Decode<'r, Postgres>
            + Type<Postgres>
            + for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>,
    {
        let index = self.next;
        self.next += 1;
        let value = match self.row {
            Driver::Postgres(row) => row.try_get_unchecked::<T, _>(index),
            Driver::Sqlite(row) => row.try_get_unchecked::<T, _>(index),
        };
        value.map_err(|err| DbErr::Type(format!("column {index}: {err}")))
    }

    /// Continues at column `index`, past columns already known.
    pub(crate) fn skip_to(&mut self, index: usize) {
        self.next = index;
    }

    /// The next column, a closed vocabulary stored as its string.
    pub(crate) fn vocabulary<E: ActiveEnum<Value = String>>(&mut self) -> Result<E, DbErr> {
        match self.text()? {
            Some(text) => vocabulary_of(text),
            None => Err(DbErr::Type(format!("column {}: NULL", self.next - 1))),
        }
    }

    pub(crate) fn vocabulary_or_null<E: ActiveEnum<Value = String>>(
        &mut self,
    ) -> Result<Option<E>, DbErr> {
        self.text()?.map(vocabulary_of).transpose()
    }

    /// The next column's text, borrowed from the row.
    fn text(&mut self) -> Result<Option<&'a str>, DbErr> {
        let index = self.next;
        self.next += 1;
        let value = match self.row {
            Driver::Postgres(row) => row.try_get_unchecked::<Option<&str>, _>(index),
            Driver::Sqlite(row) => row.try_get_unchecked::<Option<&str>, _>(index),
        };
        value.map_err(|err| DbErr::Type(format!("column {index}: {err}")))
    }

    /// A node read for a listing (`links::Detail::Listing`): id, kind, slug, name, treatment
    /// type and status; the rest at defaults nobody reads, or read by [`Self::rest_of_node`].
    pub(crate) fn listed_node(&mut self) -> Result<node::Model, DbErr> {
        Ok(node::Model {
            id: self.get()?,
            kind: self.vocabulary()?,
            slug: self.get()?,
            name: self.get()?,
            treatment_type: self.vocabulary_or_null()?,
            status: self.vocabulary()?,
            synonyms: serde_json::Value::Null,
            summary: None,
            codings: serde_json::Value::Null,
            pending: None,
            pending_status: None,
            reviewed_by: None,
            reviewed_at: None,
            review_due: None,
            version: 0,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        })
    }

    /// An edge read for a listing (`links::Detail::Listing`): its relation, wording and
    /// status; the rest at defaults nobody reads, or read by [`Self::rest_of_edge`].
    pub(crate) fn listed_edge(&mut self) -> Result<edge::Model, DbErr> {
        Ok(edge::Model {
            id: self.get()?,
            subject_id: self.get()?,
            predicate: self.vocabulary()?,
            object_id: self.get()?,
            negated: self.get()?,
            place: self.vocabulary_or_null()?,
            timing: self.get()?,
            circumstance: self.get()?,
            how_to: self.get()?,
            note: self.get()?,
            status: self.vocabulary()?,
            pending: None,
            pending_status: None,
            reviewed_by: None,
            reviewed_at: None,
            review_due: None,
            version: 0,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        })
    }

    /// The columns of a node a listing leaves out, in `links::REST_NODE`'s order.
    pub(crate) fn rest_of_node(&mut self, node: &mut node::Model) -> Result<(), DbErr> {
        node.synonyms = self.get()?;
        node.summary = self.get()?;
        node.codings = self.get()?;
        node.pending = self.get()?;
        node.pending_status = self.vocabulary_or_null()?;
        node.reviewed_by = self.get()?;
        node.reviewed_at = self.get()?;
        node.review_due = self.get()?;
        node.version = self.get()?;
        node.created_at = self.get()?;
        node.updated_at = self.get()?;
        Ok(())
    }

    /// The columns of an edge a listing leaves out, in `links::REST_EDGE`'s order.
    pub(crate) fn rest_of_edge(&mut self, edge: &mut edge::Model) -> Result<(), DbErr> {
        edge.pending = self.get()?;
        edge.pending_status = self.vocabulary_or_null()?;
        edge.reviewed_by = self.get()?;
        edge.reviewed_at = self.get()?;
        edge.review_due = self.get()?;
        edge.version = self.get()?;
        edge.created_at = self.get()?;
        edge.updated_at = self.get()?;
        Ok(())
    }

    /// A citation and its source as `links::select_citation` selects them for `cites`;
    /// `None` when the citation's id is NULL (a link without citations, read through an outer
    /// join) or `cites` reads none. A read of [`Cites::Quotes`] leaves the rest at defaults.
    pub(crate) fn citation(
        &mut self,
        cites: Cites,
    ) -> Result<Option<(citation::Model, source::Model)>, DbErr> {
        if cites == Cites::No {
            return Ok(None);
        }
        let Some(id) = self.get()? else {
            return Ok(None);
        };
        let mut citation = citation::Model {
            id,
            quote: self.get()?,
            created_at: self.get()?,
            source_id: Uuid::nil(),
            node_id: None,
            edge_id: None,
            status: Status::Published,
        };
        if cites == Cites::Quotes {
            return Ok(Some((citation, unread_source())));
        }
        citation.source_id = self.get()?;
        citation.node_id = self.get()?;
        citation.edge_id = self.get()?;
        citation.status = self.vocabulary()?;
        let source = source::Model {
            id: citation.source_id,
            slug: self.get()?,
            title: self.get()?,
            url: self.get()?,
            publisher: self.get()?,
            content: None,
            version: self.get()?,
            created_at: self.get()?,
            updated_at: self.get()?,
        };
        Ok(Some((citation, source)))
    }
}

/// The source of a citation read for its quote: the nil id, so the citations of a read share
/// one (`CitationRow::shared`).
fn unread_source() -> source::Model {
    source::Model {
        id: Uuid::nil(),
        slug: String::new(),
        title: String::new(),
        url: None,
        publisher: None,
        content: None,
        version: 0,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    }
}

/// The vocabulary value spelled `text`. SeaORM matches a `&String`: the text goes through one
/// buffer per thread instead of a new string per value (six per link of a page).
fn vocabulary_of<E: ActiveEnum<Value = String>>(text: &str) -> Result<E, DbErr> {
    thread_local! {
        static SPELLING: RefCell<String> = const { RefCell::new(String::new()) };
    }
    SPELLING.with_borrow_mut(|spelling| {
        spelling.clear();
        spelling.push_str(text);
        E::try_from_value(spelling)
    })
}
