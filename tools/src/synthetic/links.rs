//! A node's outgoing edges under every rule of `RULES`, with their attributes and the quotes
//! that cite the node and each edge.

use caregraph::domain::rules::predicate::RULES;
use entity::sea_orm_active_enums::{Predicate, TreatmentPlace};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::Plan;
use super::random::{pick, rng_for};
use super::text::{lowercased_first, node_text};
use super::words::{CIRCUMSTANCES, HOW_TOS, NOTES, TIMINGS};

/// One generated edge, by global node positions.
pub(super) struct EdgeRow {
    pub(super) subject: usize,
    pub(super) predicate: Predicate,
    pub(super) object: usize,
    pub(super) negated: bool,
    pub(super) place: Option<TreatmentPlace>,
    pub(super) timing: Option<String>,
    pub(super) circumstance: Option<String>,
    pub(super) how_to: Option<String>,
    pub(super) note: Option<String>,
    pub(super) quote: String,
}

/// A node's citations and its outgoing edges with theirs.
pub(super) struct Bundle {
    pub(super) node_quotes: Vec<String>,
    pub(super) edges: Vec<EdgeRow>,
}

pub(super) fn bundle(plan: &Plan, pos: usize, names: &[Box<str>]) -> Bundle {
    let me = node_text(plan, pos);
    let mut rng = rng_for(plan.seed, 0xED, pos);
    let lower = lowercased_first(&me.name);
    let mut node_quotes = vec![format!("{} is {}", me.name, lowercased_first(&me.summary))];
    if rng.random_bool(0.2) {
        node_quotes.push(match me.synonyms.first() {
            Some(s) => format!("Patients also describe {lower} as {s}."),
            None => format!("Clinicians see {lower} often in the {}.", me.site),
        });
    }

    let mut edges = Vec::new();
    let j = plan.kind_index[pos] as usize;
    for (r, rule) in RULES.iter().enumerate() {
        if rule.subject != me.kind {
            continue;
        }
        let degree = plan.degree(r, j) as usize;
        if degree == 0 {
            continue;
        }
        let candidates = plan.list(rule.object);
        let limit = if rule.predicate == Predicate::SubclassOf {
            j
        } else {
            candidates.len()
        };
        let exclude = (rule.subject == rule.object).then_some(j);
        for object_j in objects(&mut rng, limit, degree, exclude) {
            let object = candidates[object_j] as usize;
            edges.push(edge_row(
                &mut rng,
                pos,
                &me.name,
                rule.predicate,
                object,
                &names[object],
            ));
        }
    }
    Bundle { node_quotes, edges }
}

/// `count` distinct positions below `limit` (never `exclude`), favouring low positions: a few
/// symptoms, causes and treatments are shared by many conditions, as in real libraries.
fn objects(rng: &mut ChaCha8Rng, limit: usize, count: usize, exclude: Option<usize>) -> Vec<usize> {
    let usable = limit - usize::from(exclude.is_some_and(|x| x < limit));
    let count = count.min(usable);
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    if count * 2 > usable {
        // Dense: a partial shuffle of every candidate.
        let mut all: Vec<usize> = (0..limit).filter(|x| Some(*x) != exclude).collect();
        for i in 0..count {
            let k = rng.random_range(i..all.len());
            all.swap(i, k);
        }
        all.truncate(count);
        return all;
    }
    while chosen.len() < count {
        let u: f64 = rng.random();
        let x = ((u * u * limit as f64) as usize).min(limit - 1);
        if Some(x) != exclude && !chosen.contains(&x) {
            chosen.push(x);
        }
    }
    chosen
}

fn edge_row(
    rng: &mut ChaCha8Rng,
    subject: usize,
    s: &str,
    predicate: Predicate,
    object: usize,
    o: &str,
) -> EdgeRow {
    let (sl, ol) = (lowercased_first(s), lowercased_first(o));
    let mut row = EdgeRow {
        subject,
        predicate,
        object,
        negated: false,
        place: None,
        timing: None,
        circumstance: None,
        how_to: None,
        note: None,
        quote: String::new(),
    };
    let note =
        |rng: &mut ChaCha8Rng, p: f64| rng.random_bool(p).then(|| (*pick(rng, NOTES)).to_owned());
    row.quote = match predicate {
        Predicate::HasSymptom => {
            row.timing = rng
                .random_bool(0.35)
                .then(|| (*pick(rng, TIMINGS)).to_owned());
            format!("People with {sl} often report {ol}.")
        }
        Predicate::CausedBy => {
            row.negated = rng.random_bool(0.02);
            row.note = note(rng, 0.05);
            if row.negated {
                row.note = Some("the source denies this cause".to_owned());
                format!("{s} is not caused by {ol}.")
            } else {
                format!("{s} can be caused by {ol}.")
            }
        }
        Predicate::TreatedBy => {
            let roll: f64 = rng.random();
            row.place = if roll < 0.35 {
                Some(TreatmentPlace::FirstLine)
            } else if roll < 0.55 {
                Some(TreatmentPlace::WhenSevere)
            } else if roll < 0.65 {
                Some(TreatmentPlace::LastResort)
            } else if roll < 0.70 {
                Some(TreatmentPlace::ExtremeCases)
            } else {
                None
            };
            row.how_to = rng
                .random_bool(0.3)
                .then(|| (*pick(rng, HOW_TOS)).to_owned());
            row.circumstance = rng
                .random_bool(0.2)
                .then(|| (*pick(rng, CIRCUMSTANCES)).to_owned());
            format!("{o} is used to treat {sl}.")
        }
        Predicate::HasRiskFactor => {
            row.note = note(rng, 0.1);
            format!("{o} raises the risk of {sl}.")
        }
        Predicate::HasAdverseRisk => {
            row.circumstance = rng
                .random_bool(0.3)
                .then(|| (*pick(rng, CIRCUMSTANCES)).to_owned());
            format!("{s} carries a risk of {ol}.")
        }
        Predicate::MayLeadTo => {
            row.timing = rng
                .random_bool(0.2)
                .then(|| (*pick(rng, TIMINGS)).to_owned());
            format!("{s} may lead to {ol}.")
        }
        Predicate::IsCondition => format!("{s} is itself a condition: {ol}."),
        Predicate::DifferentialOf => {
            row.note = note(rng, 0.05);
            format!("{s} is often confused with {ol}.")
        }
        Predicate::SubclassOf => format!("{s} is a form of {ol}."),
    };
    row
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_distinct_and_skip_the_subject() {
        let mut rng = rng_for(1, 2, 3);
        for (limit, count) in [(5, 4), (100, 10), (3, 3)] {
            let got = objects(&mut rng, limit, count, Some(1));
            let set: std::collections::HashSet<_> = got.iter().collect();
            assert_eq!(set.len(), got.len());
            assert!(!got.contains(&1));
            assert!(got.iter().all(|x| *x < limit));
        }
    }
}
