//! The final check, straight in the database: the acknowledged writes against the audit log
//! and the data.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use entity::{audit_event, citation, edge, node};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::client::{Shared, lock};

/// What the final audit found.
pub(super) struct Audit {
    acknowledged: usize,
    events: usize,
    by_action: BTreeMap<String, (usize, usize)>,
    lost: Vec<String>,
    extra: Vec<String>,
    data_problems: Vec<String>,
    nodes_checked: usize,
    links_checked: usize,
    citations_checked: usize,
}

impl Audit {
    pub(super) fn passed(&self) -> bool {
        self.lost.is_empty()
            && self.extra.is_empty()
            && self.data_problems.is_empty()
            && self.acknowledged == self.events
    }
}

impl std::fmt::Display for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "writes acknowledged: {}; audit events of the soak's tokens: {}",
            self.acknowledged, self.events
        )?;
        for (action, (acked, found)) in &self.by_action {
            writeln!(
                f,
                "  {action:<18} acknowledged {acked:>6}  in the audit log {found:>6}"
            )?;
        }
        writeln!(
            f,
            "data: {} nodes, {} links and {} citations checked",
            self.nodes_checked, self.links_checked, self.citations_checked
        )?;
        writeln!(
            f,
            "lost writes: {}; extra writes: {}; data problems: {}",
            self.lost.len(),
            self.extra.len(),
            self.data_problems.len()
        )?;
        for line in self
            .lost
            .iter()
            .map(|l| format!("  lost: {l}"))
            .chain(self.extra.iter().map(|l| format!("  extra: {l}")))
            .chain(self.data_problems.iter().map(|l| format!("  data: {l}")))
            .take(30)
        {
            writeln!(f, "{line}")?;
        }
        write!(
            f,
            "{}",
            if self.passed() {
                "PASS: every acknowledged write is in the audit log and the data, and nothing else is"
            } else {
                "FAIL: see above"
            }
        )
    }
}

/// Compares the acknowledged writes with the audit log and the data.
pub(super) async fn audit(
    db: &DatabaseConnection,
    shared: &Shared,
    actors: &[String],
) -> Result<Audit, sea_orm::DbErr> {
    let acks = lock(&shared.acks).clone();
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::ActorName.is_in(actors.iter().cloned()))
        .all(db)
        .await?;

    // Multisets of (actor, action, target).
    let mut expected: BTreeMap<(String, String, Uuid), i64> = BTreeMap::new();
    let mut by_action: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for a in &acks {
        *expected
            .entry((a.actor.clone(), a.action.to_owned(), a.target))
            .or_default() += 1;
        by_action.entry(a.action.to_owned()).or_default().0 += 1;
    }
    for e in &events {
        *expected
            .entry((e.actor_name.clone(), e.action.clone(), e.target_id))
            .or_default() -= 1;
        by_action.entry(e.action.clone()).or_default().1 += 1;
    }
    let mut lost = Vec::new();
    let mut extra = Vec::new();
    for ((actor, action, target), n) in expected {
        let line = format!("{actor} {action} {target}");
        for _ in 0..n.max(0) {
            lost.push(line.clone());
        }
        for _ in 0..(-n).max(0) {
            extra.push(line.clone());
        }
    }

    let mut data_problems = Vec::new();
    let wanted_citations = lock(&shared.citations).clone();
    let created_nodes = lock(&shared.created_nodes).clone();
    let created_links = lock(&shared.created_links).clone();
    let nodes: HashMap<Uuid, node::Model> = node::Entity::find()
        .filter(node::Column::Id.is_in(created_nodes.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let links: BTreeSet<Uuid> = edge::Entity::find()
        .filter(edge::Column::Id.is_in(created_links.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    let mut found_citations: HashMap<Uuid, Vec<String>> = HashMap::new();
    let rows = citation::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(citation::Column::NodeId.is_in(created_nodes.clone()))
                .add(citation::Column::EdgeId.is_in(created_links.clone())),
        )
        .all(db)
        .await?;
    let citations_checked = rows.len();
    for c in rows {
        if let Some(target) = c.node_id.or(c.edge_id) {
            found_citations.entry(target).or_default().push(c.quote);
        }
    }
    for id in &created_nodes {
        if !nodes.contains_key(id) {
            data_problems.push(format!("node {id} was created but is missing"));
        }
    }
    for id in &created_links {
        if !links.contains(id) {
            data_problems.push(format!("link {id} was created but is missing"));
        }
    }
    for (target, quotes) in &wanted_citations {
        let mut want = quotes.clone();
        let mut got = found_citations.get(target).cloned().unwrap_or_default();
        want.sort();
        got.sort();
        if want != got {
            data_problems.push(format!(
                "{target}: created with {} citations, holds {}",
                want.len(),
                got.len()
            ));
        }
    }
    // Each acknowledged node write returned the version it made; together they must be
    // 1..=final version, each once.
    let mut versions: HashMap<Uuid, Vec<i32>> = HashMap::new();
    for a in &acks {
        if let (Some(v), true) = (a.version, nodes.contains_key(&a.target)) {
            versions.entry(a.target).or_default().push(v);
        }
    }
    for (id, row) in &nodes {
        let mut seen = versions.remove(id).unwrap_or_default();
        seen.sort_unstable();
        let want: Vec<i32> = (1..=row.version).collect();
        if seen != want {
            data_problems.push(format!(
                "node {id}: at version {}, acknowledged writes returned versions {seen:?}",
                row.version
            ));
        }
    }

    Ok(Audit {
        acknowledged: acks.len(),
        events: events.len(),
        by_action,
        lost,
        extra,
        data_problems,
        nodes_checked: nodes.len(),
        links_checked: links.len(),
        citations_checked,
    })
}
