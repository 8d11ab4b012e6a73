//! A node's name, slug, synonyms and summary, made from the vocabulary of `words`.

use entity::sea_orm_active_enums::{NodeKind, TreatmentType};
use rand::Rng;

use super::plan::Plan;
use super::random::{mix, pick, rng_for};
use super::words::{
    CAUSE_HEADS, CONDITION_HEADS, CONDITION_QUALIFIERS, COURSES, HOW_TOS, INTENSITIES, POPULATIONS,
    RISK_HEADS, SITES, SYMPTOM_CONTEXTS, SYMPTOM_WORDS, TIMINGS, TREATMENT_HEADS,
    TREATMENT_REGIMENS,
};

/// Name, slug and texts of one node.
pub(super) struct NodeText {
    pub(super) kind: NodeKind,
    pub(super) slug: String,
    pub(super) name: String,
    pub(super) synonyms: Vec<String>,
    pub(super) summary: String,
    pub(super) treatment_type: Option<TreatmentType>,
    /// Site of the body the node is about, as patients say it.
    pub(super) site: &'static str,
}

/// Decodes `j` (a position among a kind) into vocabulary choices: a permutation of the
/// combinations (so names do not repeat until every combination is used), then a variant
/// number for the rounds after that.
fn combination(seed: u64, kind: NodeKind, j: u32, radices: &[usize]) -> (Vec<usize>, u64) {
    let space: u64 = radices.iter().map(|r| *r as u64).product();
    const STEP: u64 = 1_000_003; // prime, larger than any space: a full-period permutation
    let offset = mix(&[seed, 0xC0, kind_tag(kind)]) % space;
    let j = u64::from(j);
    let mut idx = (j % space * (STEP % space) + offset) % space;
    let mut digits = Vec::with_capacity(radices.len());
    for r in radices {
        digits.push((idx % *r as u64) as usize);
        idx /= *r as u64;
    }
    (digits, j / space)
}

fn kind_tag(kind: NodeKind) -> u64 {
    match kind {
        NodeKind::Condition => 1,
        NodeKind::Cause => 2,
        NodeKind::Symptom => 3,
        NodeKind::Risk => 4,
        NodeKind::Treatment => 5,
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn lowercased_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lowercase words of letters and digits joined by single hyphens, at most 60 characters.
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > 60 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug
}

fn with_variant(name: String, round: u64) -> String {
    if round == 0 {
        name
    } else {
        format!("{name} (variant {})", round + 1)
    }
}

pub(super) fn node_text(plan: &Plan, pos: usize) -> NodeText {
    let seed = plan.seed;
    let kind = plan.kinds[pos];
    let j = plan.kind_index[pos];
    let mut rng = rng_for(seed, 0x4E, pos);
    let (name, site, synonyms, summary, treatment_type) = match kind {
        NodeKind::Condition => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[
                    CONDITION_QUALIFIERS.len(),
                    SITES.len(),
                    CONDITION_HEADS.len(),
                    POPULATIONS.len(),
                ],
            );
            let (qualifier, (adjective, site), (term, lay), population) = (
                CONDITION_QUALIFIERS[d[0]],
                SITES[d[1]],
                CONDITION_HEADS[d[2]],
                POPULATIONS[d[3]],
            );
            let name = capitalized(&format!("{qualifier} {adjective} {term}{population}"));
            let mut synonyms = vec![format!("{lay} of the {site}")];
            if rng.random_bool(0.5) {
                synonyms.push(format!("{qualifier} {site} {term}"));
            }
            if rng.random_bool(0.3) {
                synonyms.push(format!("{adjective} {lay}"));
            }
            let summary = format!(
                "A {qualifier} {lay} of the {site}{population} that {}.",
                pick(&mut rng, COURSES)
            );
            (with_variant(name, round), site, synonyms, summary, None)
        }
        NodeKind::Symptom => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[
                    INTENSITIES.len(),
                    SYMPTOM_WORDS.len(),
                    SITES.len(),
                    SYMPTOM_CONTEXTS.len(),
                ],
            );
            let (intensity, word, (adjective, site), context) = (
                INTENSITIES[d[0]],
                SYMPTOM_WORDS[d[1]],
                SITES[d[2]],
                SYMPTOM_CONTEXTS[d[3]],
            );
            let name = capitalized(&format!("{intensity} {word} in the {site}{context}"));
            let mut synonyms = Vec::new();
            if rng.random_bool(0.6) {
                synonyms.push(format!("{adjective} {word}"));
            }
            if rng.random_bool(0.3) {
                synonyms.push(format!("{word} around the {adjective} area"));
            }
            let summary = format!(
                "A {intensity} {word} felt in the {site}{context}, which {}.",
                pick(&mut rng, TIMINGS)
            );
            (with_variant(name, round), site, synonyms, summary, None)
        }
        NodeKind::Cause => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[CAUSE_HEADS.len(), SITES.len(), POPULATIONS.len()],
            );
            let (head, (adjective, site), population) =
                (CAUSE_HEADS[d[0]], SITES[d[1]], POPULATIONS[d[2]]);
            let name = format!("{head} {site}{population}");
            let mut synonyms = Vec::new();
            if rng.random_bool(0.4) {
                synonyms.push(format!("{adjective} {}", lowercased_first(head)));
            }
            let summary = format!(
                "A common cause of trouble in the {site}{population}: {}.",
                lowercased_first(head).trim_end_matches(" the")
            );
            (with_variant(name, round), site, synonyms, summary, None)
        }
        NodeKind::Risk => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[RISK_HEADS.len(), SITES.len(), POPULATIONS.len()],
            );
            let (head, (adjective, site), population) =
                (RISK_HEADS[d[0]], SITES[d[1]], POPULATIONS[d[2]]);
            let name = format!("{head} {site}{population}");
            let mut synonyms = Vec::new();
            if rng.random_bool(0.4) {
                synonyms.push(format!("{adjective} risk"));
            }
            let summary = format!(
                "A risk to the {site}{population} that {}.",
                pick(&mut rng, COURSES)
            );
            (with_variant(name, round), site, synonyms, summary, None)
        }
        NodeKind::Treatment => {
            let (d, round) = combination(
                seed,
                kind,
                j,
                &[TREATMENT_HEADS.len(), SITES.len(), TREATMENT_REGIMENS.len()],
            );
            let ((head, treatment_type), (adjective, site), regimen) =
                (TREATMENT_HEADS[d[0]], SITES[d[1]], TREATMENT_REGIMENS[d[2]]);
            let name = format!("{head} {site}{regimen}");
            let mut synonyms = Vec::new();
            if rng.random_bool(0.4) {
                synonyms.push(format!(
                    "{adjective} {}",
                    lowercased_first(head.trim_end_matches(" the"))
                ));
            }
            let summary = format!(
                "A treatment for the {site}{regimen}; {}.",
                pick(&mut rng, HOW_TOS)
            );
            (
                with_variant(name, round),
                site,
                synonyms,
                summary,
                Some(treatment_type),
            )
        }
    };
    NodeText {
        kind,
        slug: format!("{}-syn{seed}-{pos}", slugify(&name)),
        name,
        synonyms,
        summary,
        treatment_type,
        site,
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_deterministic_and_unique_within_a_kind() {
        let plan = Plan::new(2_000, 5, 42);
        let again = Plan::new(2_000, 5, 42);
        let mut names = std::collections::HashSet::new();
        for pos in 0..2_000 {
            let (a, b) = (node_text(&plan, pos), node_text(&again, pos));
            assert_eq!(
                (&a.slug, &a.name, &a.summary),
                (&b.slug, &b.name, &b.summary)
            );
            assert!(
                names.insert((kind_tag(a.kind), a.name.clone())),
                "{}",
                a.name
            );
            caregraph::domain::rules::validate::slug("slug", &a.slug).expect("a valid slug");
        }
        assert_ne!(
            node_text(&Plan::new(2_000, 5, 43), 0).name,
            node_text(&plan, 0).name
        );
    }
}
