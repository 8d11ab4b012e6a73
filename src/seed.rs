//! Seed files (the article graph in `data/`): their TOML format, read and checked as a whole,
//! then loaded through `domain::service::import` in one transaction.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use entity::sea_orm_active_enums::Role;
use entity::sea_orm_active_enums::{NodeKind, Predicate, TreatmentPlace, TreatmentType};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use thiserror::Error;
use uuid::Uuid;

use crate::domain::DomainError;
use crate::domain::rules::auth::Actor;
use crate::domain::rules::coding::{Coding, CodingSource, Match};
use crate::domain::rules::content::{LinkAttributes, NodeContent};
use crate::domain::service::import::{
    self, ContentSet, Existing, ImportReport, LinkSpec, NodeSpec, SourceSpec,
};
use crate::domain::service::tx;

/// The article graph, compiled into the binary so a server needs no data files at run time.
pub const BUNDLED: &str = include_str!("../data/back-pain-after-epidural.toml");
const BUNDLED_TEXTS: &[(&str, &str)] = &[(
    "sources/back-pain-after-epidural.txt",
    include_str!("../data/sources/back-pain-after-epidural.txt"),
)];

#[derive(Debug, Error)]
pub enum SeedError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{name} is not a valid seed file: {source}")]
    Parse {
        name: String,
        source: Box<toml::de::Error>,
    },
    #[error("{name} has {} problem(s):\n  - {}", .problems.len(), .problems.join("\n  - "))]
    Invalid { name: String, problems: Vec<String> },
    #[error("writing the seed failed, nothing was written: {0}")]
    Write(#[from] DomainError),
}

/// One seed file: one source and the nodes and edges it supports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    pub source: SeedSource,
    #[serde(default)]
    pub node: Vec<SeedNode>,
    #[serde(default)]
    pub edge: Vec<SeedEdge>,
    /// The public code tables node codings were confirmed against, by the id codings use.
    #[serde(default)]
    pub code_table: BTreeMap<String, SeedCodeTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCodeTable {
    pub name: String,
    pub url: Option<String>,
}

/// A coding of a node, confirmed against the code table `table` names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCoding {
    pub system: String,
    pub code: String,
    pub display: Option<String>,
    #[serde(rename = "match")]
    pub match_: Match,
    pub table: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSource {
    pub slug: String,
    pub title: String,
    pub url: Option<String>,
    pub publisher: Option<String>,
    /// The source's full text, relative to the seed file; quotes are checked against it.
    pub text_file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedNode {
    pub slug: String,
    pub kind: NodeKind,
    pub name: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    pub summary: Option<String>,
    pub treatment_type: Option<TreatmentType>,
    #[serde(default)]
    pub coding: Vec<SeedCoding>,
    pub quotes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedEdge {
    pub subject: String,
    pub predicate: Predicate,
    pub object: String,
    #[serde(default)]
    pub negated: bool,
    pub place: Option<TreatmentPlace>,
    pub timing: Option<String>,
    pub circumstance: Option<String>,
    pub how_to: Option<String>,
    pub note: Option<String>,
    pub quotes: Vec<String>,
}

/// A parsed, validated seed file, as the import service takes it (with its source text).
#[derive(Debug)]
pub struct Seed {
    pub name: String,
    pub content: ContentSet,
}

impl Seed {
    /// The article graph bundled in the binary.
    pub fn bundled() -> Result<Self, SeedError> {
        let name = "data/back-pain-after-epidural.toml".to_owned();
        Self::parse(name, BUNDLED, |rel| {
            BUNDLED_TEXTS
                .iter()
                .find(|(p, _)| *p == rel)
                .map(|(_, t)| (*t).to_owned())
                .ok_or_else(|| SeedError::Io {
                    path: rel.into(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "not bundled"),
                })
        })
    }

    /// A seed file on disk; its `text_file` is read relative to it.
    pub fn from_path(path: &Path) -> Result<Self, SeedError> {
        let raw = std::fs::read_to_string(path).map_err(|source| SeedError::Io {
            path: path.into(),
            source,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Self::parse(path.display().to_string(), &raw, |rel| {
            let p = dir.join(rel);
            std::fs::read_to_string(&p).map_err(|source| SeedError::Io { path: p, source })
        })
    }

    fn parse(
        name: String,
        raw: &str,
        read_text: impl Fn(&str) -> Result<String, SeedError>,
    ) -> Result<Self, SeedError> {
        let file: SeedFile = toml::from_str(raw).map_err(|source| SeedError::Parse {
            name: name.clone(),
            source: Box::new(source),
        })?;
        let text = file
            .source
            .text_file
            .as_deref()
            .map(read_text)
            .transpose()?;
        let content = file
            .into_content(text)
            .map_err(|problems| SeedError::Invalid {
                name: name.clone(),
                problems,
            })?;
        let problems = import::problems(&content);
        if !problems.is_empty() {
            return Err(SeedError::Invalid {
                name,
                problems: located(raw, problems),
            });
        }
        Ok(Self { name, content })
    }
}

/// Each problem with the line of the table it is about (`line 212: node x: …`). Problems
/// name their node by slug, their edge by `subject predicate object`, or the source.
fn located(raw: &str, problems: Vec<String>) -> Vec<String> {
    let mut lines: HashMap<String, usize> = HashMap::new();
    let (mut table, mut start) = ("", 0);
    let mut edge: [String; 3] = Default::default();
    let value = |l: &str, key: &str| -> Option<String> {
        let rest = l.strip_prefix(key)?.trim_start().strip_prefix('=')?.trim();
        Some(rest.trim_matches('"').to_owned())
    };
    for (i, line) in raw.lines().enumerate() {
        let l = line.trim();
        if l.starts_with('[') {
            table = match l {
                "[[node]]" => "node",
                "[[edge]]" => "edge",
                "[source]" => {
                    lines.insert("source".to_owned(), i + 1);
                    "source"
                }
                _ => table,
            };
            if matches!(l, "[[node]]" | "[[edge]]") {
                start = i + 1;
                edge = Default::default();
            }
            continue;
        }
        match table {
            "node" => {
                if let Some(slug) = value(l, "slug") {
                    lines.entry(format!("node {slug}")).or_insert(start);
                }
            }
            "edge" => {
                for (k, slot) in ["subject", "predicate", "object"]
                    .iter()
                    .zip(edge.iter_mut())
                {
                    if let Some(v) = value(l, k) {
                        *slot = v;
                    }
                }
                if edge.iter().all(|v| !v.is_empty()) {
                    lines
                        .entry(format!("edge {} {} {}", edge[0], edge[1], edge[2]))
                        .or_insert(start);
                }
            }
            _ => {}
        }
    }
    problems
        .into_iter()
        .map(|p| {
            let at = p.split(": ").next().unwrap_or_default();
            match lines.get(at) {
                Some(n) => format!("line {n}: {p}"),
                None => p,
            }
        })
        .collect()
}

impl SeedFile {
    /// The file's content as the import service takes it; the problems when a coding names a
    /// code table the file does not define.
    fn into_content(self, text: Option<String>) -> Result<ContentSet, Vec<String>> {
        let file = self;
        let mut problems = Vec::new();
        let tables = file.code_table;
        let mut source_of = |node: &str, c: &SeedCoding| match tables.get(&c.table) {
            Some(t) => CodingSource {
                name: t.name.clone(),
                url: t.url.clone(),
            },
            None => {
                problems.push(format!(
                    "node {node}: coding {} names code table {:?}, which no [code_table.{}] defines",
                    c.code, c.table, c.table
                ));
                CodingSource {
                    name: String::new(),
                    url: None,
                }
            }
        };
        let content = ContentSet {
            source: SourceSpec {
                slug: file.source.slug,
                title: file.source.title,
                url: file.source.url,
                publisher: file.source.publisher,
                text,
            },
            nodes: file
                .node
                .into_iter()
                .map(|n| {
                    let codings = n
                        .coding
                        .into_iter()
                        .map(|c| Coding {
                            source: source_of(&n.slug, &c),
                            system: c.system,
                            code: c.code,
                            display: c.display,
                            match_: c.match_,
                        })
                        .collect();
                    NodeSpec {
                        kind: n.kind,
                        slug: n.slug,
                        content: NodeContent {
                            name: n.name,
                            synonyms: n.synonyms,
                            summary: n.summary,
                            treatment_type: n.treatment_type,
                            codings,
                        },
                        quotes: n.quotes,
                    }
                })
                .collect(),
            links: file
                .edge
                .into_iter()
                .map(|e| LinkSpec {
                    subject: e.subject,
                    predicate: e.predicate,
                    object: e.object,
                    attributes: LinkAttributes {
                        negated: e.negated,
                        place: e.place,
                        timing: e.timing,
                        circumstance: e.circumstance,
                        how_to: e.how_to,
                        note: e.note,
                    },
                    quotes: e.quotes,
                })
                .collect(),
        };
        if problems.is_empty() {
            Ok(content)
        } else {
            Err(problems)
        }
    }
}

/// Who the audit log names for seeded content: caregraph itself.
pub fn seed_actor() -> Actor {
    Actor::system("system")
}

/// Loads a seed in one transaction, through the same services as the API (each row audited,
/// by the system): all of it lands, or none.
pub async fn apply(db: &DatabaseConnection, seed: &Seed) -> Result<ImportReport, SeedError> {
    let set = seed.content.clone();
    let report = tx::write(db, move |txn| {
        Box::pin(async move { import::load(txn, &seed_actor(), &set, Existing::LeaveAlone).await })
    })
    .await?;
    Ok(report)
}

/// What an import wrote (or, checked, would write), and the change set of its audit events.
pub struct Imported {
    pub change_set: Uuid,
    pub report: ImportReport,
}

/// Imports a content file as `importer` (an editor): new content as drafts, content already
/// there edited to match (published content through pending edits for review), all in one
/// transaction and one change set, through the same services as the API. With `check`, the
/// same work runs against the database and is rolled back: the report says what an import
/// would do.
pub async fn import(
    db: &DatabaseConnection,
    seed: &Seed,
    importer: &str,
    check: bool,
) -> Result<Imported, SeedError> {
    let change_set = Uuid::now_v7();
    let actor = Actor::person(importer, Role::Editor).in_change_set(change_set);
    let set = seed.content.clone();
    let report = if check {
        tx::rehearse(db, move |txn| {
            Box::pin(async move { import::load(txn, &actor, &set, Existing::Edit).await })
        })
        .await?
    } else {
        tx::write(db, move |txn| {
            Box::pin(async move { import::load(txn, &actor, &set, Existing::Edit).await })
        })
        .await?
    };
    Ok(Imported { change_set, report })
}

/// Seeds the bundled article graph when the database holds no nodes. Returns `None` when it
/// already had content.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<ImportReport>, SeedError> {
    if !import::is_empty(db).await? {
        return Ok(None);
    }
    let seed = Seed::bundled()?;
    match apply(db, &seed).await {
        Ok(report) => Ok(Some(report)),
        // Another replica starting at the same moment won the race: its seed is ours too.
        Err(SeedError::Write(_)) if !import::is_empty(db).await? => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_the_line_of_their_table() {
        let raw = "[source]\nslug = \"s\"\ntitle = \"t\"\n\n[[node]]\nslug = \"a\"\nkind = \"CONDITION\"\nname = \" \"\nquotes = [\"q\"]\n\n[[edge]]\nsubject = \"a\"\npredicate = \"has_symptom\"\nobject = \"b\"\nquotes = [\"q\"]\n";
        let err = match Seed::parse("f.toml".into(), raw, |_| unreachable!()) {
            Err(SeedError::Invalid { problems, .. }) => problems,
            other => panic!("{:?}", other.map(|s| s.name)),
        };
        assert!(
            err.iter().any(|p| p.starts_with("line 5: node a: name")),
            "{err:?}"
        );
        assert!(
            err.iter()
                .any(|p| p.starts_with("line 11: edge a has_symptom b")),
            "{err:?}"
        );
    }

    #[test]
    fn the_bundled_article_graph_is_valid() {
        let seed = Seed::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert!(seed.content.nodes.len() >= 30);
        assert!(seed.content.links.len() >= 40);
    }

    /// A lookup by code must lead to one page: no code is EXACT on two nodes, every coding
    /// names its table, and the codes the docs count are all there.
    #[test]
    fn every_exact_code_of_the_article_graph_has_one_home() {
        use std::collections::HashMap;
        let seed = Seed::bundled().unwrap_or_else(|e| panic!("{e}"));
        let mut exact: HashMap<(&str, &str), &str> = HashMap::new();
        let mut codings = 0;
        let mut coded = 0;
        for n in &seed.content.nodes {
            coded += usize::from(!n.content.codings.is_empty());
            for c in &n.content.codings {
                codings += 1;
                assert!(!c.source.name.is_empty(), "{}: {c:?}", n.slug);
                if c.match_ == Match::Exact
                    && let Some(other) = exact.insert((&c.system, &c.code), &n.slug)
                {
                    panic!("{} {} is EXACT on {other} and {}", c.system, c.code, n.slug);
                }
            }
        }
        // docs/codes.md, "The article's codes".
        assert_eq!((coded, codings), (20, 45));
    }

    /// A name lookup must find one node: a synonym lives on one node and is no other node's
    /// name; two nodes share a name only as the two roles of one thing (is_condition).
    #[test]
    fn every_term_of_the_article_graph_has_one_home() {
        use std::collections::{BTreeSet, HashMap};
        let seed = Seed::bundled().unwrap_or_else(|e| panic!("{e}"));
        let mut names: HashMap<String, BTreeSet<&str>> = HashMap::new();
        let mut synonyms: HashMap<String, BTreeSet<&str>> = HashMap::new();
        for n in &seed.content.nodes {
            names
                .entry(n.content.name.to_lowercase())
                .or_default()
                .insert(&n.slug);
            for s in &n.content.synonyms {
                synonyms
                    .entry(s.to_lowercase())
                    .or_default()
                    .insert(&n.slug);
            }
        }
        for (term, homes) in &synonyms {
            let named: BTreeSet<&str> = names.get(term).cloned().unwrap_or_default();
            let all: BTreeSet<&str> = homes.union(&named).copied().collect();
            assert_eq!(all.len(), 1, "the synonym {term:?} leads to {all:?}");
        }
        let joined: BTreeSet<(&str, &str)> = seed
            .content
            .links
            .iter()
            .filter(|e| e.predicate == Predicate::IsCondition)
            .map(|e| (e.subject.as_str(), e.object.as_str()))
            .collect();
        for (name, homes) in &names {
            let homes: Vec<&str> = homes.iter().copied().collect();
            let roles_of_one_thing = homes.len() == 2
                && (joined.contains(&(homes[0], homes[1]))
                    || joined.contains(&(homes[1], homes[0])));
            assert!(
                homes.len() == 1 || roles_of_one_thing,
                "the name {name:?} leads to {homes:?}"
            );
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let raw = r#"
            [source]
            slug = "s"
            title = "T"
            [[node]]
            slug = "Bad Slug"
            kind = "CONDITION"
            name = " "
            quotes = ["not in the text"]
            [[edge]]
            subject = "Bad Slug"
            predicate = "has_symptom"
            object = "missing"
            quotes = []
        "#;
        let err = Seed::parse("t".into(), raw, |_| Ok(String::new())).unwrap_err();
        let SeedError::Invalid { problems, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(problems.len(), 4, "{problems:#?}");
    }
}
