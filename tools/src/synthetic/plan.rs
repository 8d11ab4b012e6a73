//! The plan: how many nodes of each kind and how many edges of each rule, fixed up front.

use std::collections::HashMap;

use caregraph::domain::rules::predicate::{RULES, Rule};
use entity::sea_orm_active_enums::{NodeKind, Predicate};

use super::random::mix;

/// Share of the nodes of each kind, per thousand.
const KIND_SHARES: [(NodeKind, u64); 5] = [
    (NodeKind::Condition, 250),
    (NodeKind::Symptom, 250),
    (NodeKind::Treatment, 200),
    (NodeKind::Cause, 150),
    (NodeKind::Risk, 150),
];

/// Share of the edges of each rule of [`RULES`]; a rule added later gets a small share, so
/// every rule is always used.
fn rule_share(rule: &Rule) -> f64 {
    match (rule.predicate, rule.subject) {
        (Predicate::HasSymptom, _) => 0.30,
        (Predicate::TreatedBy, _) => 0.20,
        (Predicate::CausedBy, _) | (Predicate::HasRiskFactor, _) => 0.12,
        (Predicate::HasAdverseRisk, _) => 0.10,
        (Predicate::MayLeadTo, _) => 0.05,
        (Predicate::DifferentialOf, _) => 0.04,
        (Predicate::IsCondition, NodeKind::Cause) => 0.03,
        _ => 0.02,
    }
}

/// Positions of kinds and degrees, computed up front: cheap, and it fixes the totals.
pub(super) struct Plan {
    pub(super) seed: u64,
    pub(super) nodes: u64,
    pub(super) edges: u64,
    /// Kind of each node, by global position.
    pub(super) kinds: Vec<NodeKind>,
    /// Position of each node among the nodes of its kind.
    pub(super) kind_index: Vec<u32>,
    /// Global positions of the nodes of each kind, by kind.
    pub(super) by_kind: HashMap<NodeKind, Vec<u32>>,
    /// Per rule of [`RULES`]: edges before capping, split over its subjects.
    pub(super) rule_edges: Vec<u64>,
}

impl Plan {
    pub(super) fn new(nodes: u64, edges_per_node: u32, seed: u64) -> Self {
        let n = usize::try_from(nodes).unwrap_or(usize::MAX);
        // Exact counts per kind (the remainder to the first kinds), then interleaved evenly so every stretch
        // of the graph holds every kind.
        let mut counts: Vec<u64> = KIND_SHARES.iter().map(|(_, s)| nodes * s / 1_000).collect();
        let mut left = nodes - counts.iter().sum::<u64>();
        let kinds_count = counts.len();
        let mut i = 0;
        while left > 0 {
            counts[i % kinds_count] += 1;
            left -= 1;
            i += 1;
        }
        let mut kinds = Vec::with_capacity(n);
        let mut kind_index = Vec::with_capacity(n);
        let mut assigned = [0u64; 5];
        let mut by_kind: HashMap<NodeKind, Vec<u32>> =
            KIND_SHARES.iter().map(|(k, _)| (*k, Vec::new())).collect();
        for pos in 0..nodes {
            // The kind furthest behind its share of the first `pos + 1` nodes.
            let mut best = 0;
            let mut best_deficit = f64::MIN;
            for (k, count) in counts.iter().enumerate() {
                if assigned[k] >= *count {
                    continue;
                }
                let deficit = *count as f64 * (pos + 1) as f64 / nodes as f64 - assigned[k] as f64;
                if deficit > best_deficit {
                    best = k;
                    best_deficit = deficit;
                }
            }
            let kind = KIND_SHARES[best].0;
            kinds.push(kind);
            kind_index.push(u32::try_from(assigned[best]).unwrap_or(u32::MAX));
            assigned[best] += 1;
            if let Some(list) = by_kind.get_mut(&kind) {
                list.push(u32::try_from(pos).unwrap_or(u32::MAX));
            }
        }

        let total_share: f64 = RULES.iter().map(rule_share).sum();
        let wanted = nodes * u64::from(edges_per_node);
        let rule_edges: Vec<u64> = RULES
            .iter()
            .map(|r| ((rule_share(r) / total_share * wanted as f64).round() as u64).max(1))
            .collect();
        let mut plan = Self {
            seed,
            nodes,
            edges: 0,
            kinds,
            kind_index,
            by_kind,
            rule_edges,
        };
        plan.edges = (0..RULES.len())
            .map(|r| {
                let subjects = plan.subjects(r).len();
                (0..subjects).map(|j| plan.degree(r, j)).sum::<u64>()
            })
            .sum();
        plan
    }

    pub(super) fn list(&self, kind: NodeKind) -> &[u32] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    pub(super) fn subjects(&self, rule: usize) -> &[u32] {
        self.list(RULES[rule].subject)
    }

    /// How many objects subject `j` (its position among its kind) may have under `rule`.
    fn available(&self, rule: usize, j: usize) -> usize {
        let r = &RULES[rule];
        let objects = self.list(r.object).len();
        if r.predicate == Predicate::SubclassOf {
            // Only broader conditions that come earlier: the hierarchy has no cycles.
            j
        } else if r.subject == r.object {
            objects.saturating_sub(1)
        } else {
            objects
        }
    }

    /// The out-degree of subject `j` under `rule`: an even share with a zero-sum jitter
    /// between neighbours (some conditions have more symptoms than others), capped by what
    /// exists.
    pub(super) fn degree(&self, rule: usize, j: usize) -> u64 {
        let subjects = self.subjects(rule).len() as u64;
        if subjects == 0 {
            return 0;
        }
        let j64 = j as u64;
        let total = self.rule_edges[rule];
        let base = total / subjects;
        let mut degree = base + u64::from(j64 < total % subjects);
        let pair_complete = (j64 | 1) < subjects;
        if pair_complete && base >= 2 {
            let jitter = mix(&[self.seed, 0xD0, rule as u64, j64 / 2]) % (base / 2 + 1);
            if j64.is_multiple_of(2) {
                degree += jitter;
            } else {
                degree -= jitter;
            }
        }
        degree.min(self.available(rule, j) as u64)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_use_every_kind_and_rule_and_honour_the_totals() {
        let plan = Plan::new(1_000, 10, 7);
        for (kind, share) in KIND_SHARES {
            assert_eq!(plan.list(kind).len() as u64, share, "{kind:?}");
        }
        for (r, rule) in RULES.iter().enumerate() {
            let subjects = plan.subjects(r).len();
            assert!((0..subjects).any(|j| plan.degree(r, j) > 0), "{rule:?}");
        }
        // The caps of subclass_of (only earlier conditions) cost a few edges at most.
        assert!(plan.edges <= 10_000 && plan.edges > 9_900, "{}", plan.edges);
    }
}
