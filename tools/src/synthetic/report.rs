//! What a load wrote and how long it took, and why a load failed.

use std::fmt;
use std::time::Duration;

use sea_orm::DbErr;
use thiserror::Error;

/// What a load wrote and how long it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub seed: u64,
    pub nodes: u64,
    pub edges: u64,
    pub citations: u64,
    pub sources: u64,
    /// Time spent writing rows.
    pub load: Duration,
    /// Time spent rebuilding the full-text index.
    pub index: Duration,
}

impl Report {
    pub fn rows(&self) -> u64 {
        self.nodes + self.edges + self.citations + self.sources
    }

    pub fn elapsed(&self) -> Duration {
        self.load + self.index
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed().as_secs_f64();
        write!(
            f,
            "synthetic graph (seed {}): {} nodes, {} edges, {} citations, {} sources in {:.1} s \
             ({:.1} s rows + {:.1} s search index; {:.0} rows/s)",
            self.seed,
            self.nodes,
            self.edges,
            self.citations,
            self.sources,
            secs,
            self.load.as_secs_f64(),
            self.index.as_secs_f64(),
            self.rows() as f64 / secs.max(f64::EPSILON),
        )
    }
}

#[derive(Debug, Error)]
pub enum SyntheticError {
    #[error(
        "the database already holds {nodes} nodes; a synthetic graph is loaded into an empty \
         database (pass --append to add one next to them anyway)"
    )]
    NotEmpty { nodes: u64 },
    #[error("{0}")]
    Invalid(String),
    #[error("loading the synthetic graph failed, nothing was written: {0}")]
    Db(#[from] DbErr),
    #[error("the synthetic graph generator stopped: {0}")]
    Generator(String),
}
