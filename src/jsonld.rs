//! A condition as a schema.org `MedicalCondition` JSON-LD document, ready to embed in a page
//! (`<script type="application/ld+json">`) so search engines understand it.
//!
//! Mapping: `has_symptom` → `signOrSymptom`, asserted `caused_by` → `cause` (denied causes are
//! left out: JSON-LD has no way to say "not"), `has_risk_factor` → `riskFactor`, `treated_by` →
//! `possibleTreatment` (each with its own risks as `adverseOutcome` and the conditions those
//! may lead to as `seriousAdverseOutcome`), conditions the risk factors may lead to →
//! `possibleComplication`, `differential_of` → `differentialDiagnosis`, ICD-10-CM and SNOMED CT
//! codes → `code`, the cited sources → `subjectOf`.

use std::collections::HashMap;

use entity::sea_orm_active_enums::{NodeKind, Predicate};
use entity::{edge, node, source};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::domain::rules::coding::{self, Match};

/// A link and the node at its far end.
pub type Linked<'a> = (&'a edge::Model, &'a node::Model);

/// What a condition's document is made of.
pub struct ConditionGraph<'a> {
    pub condition: &'a node::Model,
    /// Links whose subject is the condition.
    pub outgoing: Vec<Linked<'a>>,
    /// Links whose object is the condition.
    pub incoming: Vec<Linked<'a>>,
    /// Outgoing links of the nodes linked from the condition (treatments' risks, risks'
    /// outcomes), by node id.
    pub onward: HashMap<Uuid, Vec<Linked<'a>>>,
    /// The sources the condition's own citations quote.
    pub sources: Vec<&'a source::Model>,
}

fn asserted<'a>(
    links: &'a [Linked<'a>],
    predicate: Predicate,
    kind: NodeKind,
) -> impl Iterator<Item = &'a node::Model> + 'a {
    links
        .iter()
        .filter(move |(e, n)| e.predicate == predicate && !e.negated && n.kind == kind)
        .map(|(_, n)| *n)
}

fn entity(kind: &str, n: &node::Model) -> Value {
    let mut m = Map::new();
    m.insert("@type".into(), kind.into());
    m.insert("name".into(), n.name.clone().into());
    if let Some(summary) = &n.summary {
        m.insert("description".into(), summary.clone().into());
    }
    Value::Object(m)
}

/// schema.org's `code` is the entity's own code: only codings that match the node exactly.
fn codes(n: &node::Model) -> Vec<Value> {
    coding::of_node(n)
        .into_iter()
        .filter(|c| c.match_ == Match::Exact)
        .map(|c| {
            json!({ "@type": "MedicalCode", "codeValue": c.code, "codingSystem": c.system_name() })
        })
        .collect()
}

impl ConditionGraph<'_> {
    fn onward(&self, id: Uuid) -> &[Linked<'_>] {
        self.onward.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    fn treatment(&self, t: &node::Model) -> Value {
        let mut value = entity("MedicalTherapy", t);
        let risks: Vec<&node::Model> =
            asserted(self.onward(t.id), Predicate::HasAdverseRisk, NodeKind::Risk).collect();
        if let Value::Object(m) = &mut value {
            if !risks.is_empty() {
                m.insert(
                    "adverseOutcome".into(),
                    risks.iter().map(|r| entity("MedicalEntity", r)).collect(),
                );
            }
            let serious: Vec<Value> = risks
                .iter()
                .flat_map(|r| {
                    asserted(self.onward(r.id), Predicate::MayLeadTo, NodeKind::Condition)
                })
                .map(|c| entity("MedicalCondition", c))
                .collect();
            if !serious.is_empty() {
                m.insert("seriousAdverseOutcome".into(), serious.into());
            }
        }
        value
    }

    /// The JSON-LD document.
    pub fn document(&self) -> Value {
        let c = self.condition;
        let mut doc = Map::new();
        doc.insert("@context".into(), "https://schema.org".into());
        doc.insert("@type".into(), "MedicalCondition".into());
        doc.insert("identifier".into(), c.slug.clone().into());
        doc.insert("name".into(), c.name.clone().into());
        let synonyms: Vec<String> = serde_json::from_value(c.synonyms.clone()).unwrap_or_default();
        if !synonyms.is_empty() {
            doc.insert("alternateName".into(), synonyms.into());
        }
        if let Some(summary) = &c.summary {
            doc.insert("description".into(), summary.clone().into());
        }
        let mut put = |key: &str, values: Vec<Value>| {
            if !values.is_empty() {
                doc.insert(key.into(), values.into());
            }
        };
        put("code", codes(c));
        let out = &self.outgoing;
        put(
            "signOrSymptom",
            asserted(out, Predicate::HasSymptom, NodeKind::Symptom)
                .map(|n| entity("MedicalSignOrSymptom", n))
                .collect(),
        );
        put(
            "cause",
            asserted(out, Predicate::CausedBy, NodeKind::Cause)
                .map(|n| entity("MedicalCause", n))
                .collect(),
        );
        let risk_factors: Vec<&node::Model> =
            asserted(out, Predicate::HasRiskFactor, NodeKind::Risk).collect();
        put(
            "riskFactor",
            risk_factors
                .iter()
                .map(|n| entity("MedicalRiskFactor", n))
                .collect(),
        );
        put(
            "possibleComplication",
            risk_factors
                .iter()
                .flat_map(|r| {
                    asserted(self.onward(r.id), Predicate::MayLeadTo, NodeKind::Condition)
                })
                .map(|n| Value::from(n.name.clone()))
                .collect(),
        );
        put(
            "possibleTreatment",
            asserted(out, Predicate::TreatedBy, NodeKind::Treatment)
                .map(|t| self.treatment(t))
                .collect(),
        );
        put(
            "differentialDiagnosis",
            asserted(out, Predicate::DifferentialOf, NodeKind::Condition)
                .chain(asserted(&self.incoming, Predicate::DifferentialOf, NodeKind::Condition))
                .map(|n| json!({ "@type": "DDxElement", "diagnosis": entity("MedicalCondition", n) }))
                .collect(),
        );
        put(
            "subjectOf",
            self.sources
                .iter()
                .map(|s| {
                    let mut m = Map::new();
                    m.insert("@type".into(), "CreativeWork".into());
                    m.insert("name".into(), s.title.clone().into());
                    if let Some(url) = &s.url {
                        m.insert("url".into(), url.clone().into());
                    }
                    if let Some(publisher) = &s.publisher {
                        m.insert(
                            "publisher".into(),
                            json!({ "@type": "Organization", "name": publisher }),
                        );
                    }
                    Value::Object(m)
                })
                .collect(),
        );
        Value::Object(doc)
    }
}
