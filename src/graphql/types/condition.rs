//! `Condition`.

use async_graphql::{Context, Result};
use entity::sea_orm_active_enums::{NodeKind as K, Predicate as P};

use super::link::{CauseLink, ConditionLink, RiskLink, SymptomLink, TreatmentLink};
use super::node::{LinkField, LinkSel, linked, links, node_object};
use super::{Cause, Risk, Symptom, Treatment};
use crate::domain::rules::coding;

/// What the two single-code fields of the first schema meant: a code that is certain.
fn exact_code(row: &entity::node::Model, system: &str) -> Option<String> {
    coding::of_node(row)
        .into_iter()
        .find(|c| c.system == system && c.match_ == coding::Match::Exact)
        .map(|c| c.code)
}

const SYMPTOMS: LinkSel = LinkSel::out(P::HasSymptom, K::Symptom);
const CAUSES: LinkSel = LinkSel::out(P::CausedBy, K::Cause);
const TREATMENTS: LinkSel = LinkSel::out(P::TreatedBy, K::Treatment);
const RISK_FACTORS: LinkSel = LinkSel::out(P::HasRiskFactor, K::Risk);
const RESULTS_FROM: LinkSel = LinkSel::incoming(P::MayLeadTo, K::Risk);
const DIFFERENTIAL_OUT: LinkSel = LinkSel::out(P::DifferentialOf, K::Condition);
const DIFFERENTIAL_IN: LinkSel = LinkSel::incoming(P::DifferentialOf, K::Condition);
const BROADER: LinkSel = LinkSel::out(P::SubclassOf, K::Condition);
const NARROWER: LinkSel = LinkSel::incoming(P::SubclassOf, K::Condition);
const AS_CAUSE: LinkSel = LinkSel::incoming(P::IsCondition, K::Cause);
const AS_RISK: LinkSel = LinkSel::incoming(P::IsCondition, K::Risk);

/// The link fields and what each reads (`node::link_fields`).
pub(super) const LINK_FIELDS: &[LinkField] = &[
    LinkField::nodes("symptoms", SYMPTOMS),
    LinkField::links("symptomLinks", SYMPTOMS),
    LinkField::nodes("causes", CAUSES),
    LinkField::links("causeLinks", CAUSES),
    LinkField::links("notCausedBy", CAUSES.denied()),
    LinkField::nodes("treatments", TREATMENTS),
    LinkField::links("treatmentLinks", TREATMENTS),
    LinkField::nodes("riskFactors", RISK_FACTORS),
    LinkField::links("riskFactorLinks", RISK_FACTORS),
    LinkField::nodes("resultsFrom", RESULTS_FROM),
    LinkField::links("resultsFromLinks", RESULTS_FROM),
    LinkField::nodes("differentials", DIFFERENTIAL_OUT),
    LinkField::nodes("differentials", DIFFERENTIAL_IN),
    LinkField::links("differentialLinks", DIFFERENTIAL_OUT),
    LinkField::links("differentialLinks", DIFFERENTIAL_IN),
    LinkField::nodes("broader", BROADER),
    LinkField::nodes("narrower", NARROWER),
    LinkField::nodes("asCause", AS_CAUSE),
    LinkField::nodes("asRisk", AS_RISK),
];

node_object! {
    /// A medical condition, such as postpartum low back pain or spinal stenosis.
    Condition {
        /// The first ICD-10-CM code that means exactly this condition.
        #[graphql(name = "icd10cm", deprecation = "Use `codings`: a node may hold several codes per system, each with how it matches.")]
        async fn icd10cm(&self) -> Option<String> {
            exact_code(&self.0, coding::ICD10CM)
        }
        /// The first SNOMED CT concept id that means exactly this condition.
        #[graphql(deprecation = "Use `codings`: a node may hold several codes per system, each with how it matches.")]
        async fn snomed_ct(&self) -> Option<String> {
            exact_code(&self.0, coding::SNOMED_CT)
        }
        /// Symptoms of this condition.
        async fn symptoms(&self, ctx: &Context<'_>) -> Result<Vec<Symptom>> {
            linked(ctx, self.0.id, SYMPTOMS).await
        }
        /// Symptoms with the link's attributes (such as timing) and citations.
        async fn symptom_links(&self, ctx: &Context<'_>) -> Result<Vec<SymptomLink>> {
            links(ctx, self.0.id, SYMPTOMS).await
        }
        /// What brings this condition about. Causes the source denies are never listed here:
        /// see `notCausedBy`.
        async fn causes(&self, ctx: &Context<'_>) -> Result<Vec<Cause>> {
            linked(ctx, self.0.id, CAUSES).await
        }
        /// Causes with the link's attributes and citations.
        async fn cause_links(&self, ctx: &Context<'_>) -> Result<Vec<CauseLink>> {
            links(ctx, self.0.id, CAUSES).await
        }
        /// Causes the source explicitly denies (for instance: the epidural is not the cause of
        /// low back pain after giving birth), with the denying citations. Every link here has
        /// `negated: true`.
        async fn not_caused_by(&self, ctx: &Context<'_>) -> Result<Vec<CauseLink>> {
            links(ctx, self.0.id, CAUSES.denied()).await
        }
        /// Treatments and care options, including when to seek help.
        async fn treatments(&self, ctx: &Context<'_>) -> Result<Vec<Treatment>> {
            linked(ctx, self.0.id, TREATMENTS).await
        }
        /// Treatments with their place (first line, last resort…), when they apply, how to do
        /// them, and citations.
        async fn treatment_links(&self, ctx: &Context<'_>) -> Result<Vec<TreatmentLink>> {
            links(ctx, self.0.id, TREATMENTS).await
        }
        /// Risk factors: what makes this condition more likely or worse.
        async fn risk_factors(&self, ctx: &Context<'_>) -> Result<Vec<Risk>> {
            linked(ctx, self.0.id, RISK_FACTORS).await
        }
        /// Risk factors with the link's attributes and citations.
        async fn risk_factor_links(&self, ctx: &Context<'_>) -> Result<Vec<RiskLink>> {
            links(ctx, self.0.id, RISK_FACTORS).await
        }
        /// Risks that may lead to this condition (for instance the dangers of a treatment).
        async fn results_from(&self, ctx: &Context<'_>) -> Result<Vec<Risk>> {
            linked(ctx, self.0.id, RESULTS_FROM).await
        }
        /// Risks that may lead to this condition, with the link's attributes and citations.
        async fn results_from_links(&self, ctx: &Context<'_>) -> Result<Vec<RiskLink>> {
            links(ctx, self.0.id, RESULTS_FROM).await
        }
        /// Conditions to tell this one apart from (in either direction of the link).
        async fn differentials(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            let mut all: Vec<Condition> = linked(ctx, self.0.id, DIFFERENTIAL_OUT).await?;
            all.extend(linked::<Condition>(ctx, self.0.id, DIFFERENTIAL_IN).await?);
            Ok(all)
        }
        /// Differentials with the link's attributes and citations.
        async fn differential_links(&self, ctx: &Context<'_>) -> Result<Vec<ConditionLink>> {
            let mut all: Vec<ConditionLink> = links(ctx, self.0.id, DIFFERENTIAL_OUT).await?;
            all.extend(links::<ConditionLink>(ctx, self.0.id, DIFFERENTIAL_IN).await?);
            Ok(all)
        }
        /// Broader conditions this one is a specific form of.
        async fn broader(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, BROADER).await
        }
        /// More specific forms of this condition.
        async fn narrower(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, NARROWER).await
        }
        /// Causes that are this condition (it can bring about other conditions).
        async fn as_cause(&self, ctx: &Context<'_>) -> Result<Vec<Cause>> {
            linked(ctx, self.0.id, AS_CAUSE).await
        }
        /// Risk factors that are this condition.
        async fn as_risk(&self, ctx: &Context<'_>) -> Result<Vec<Risk>> {
            linked(ctx, self.0.id, AS_RISK).await
        }
        /// This condition as a schema.org `MedicalCondition` JSON-LD document (symptoms,
        /// causes, risk factors, treatments with their adverse outcomes, differentials, codes,
        /// sources), ready to embed in a page. Also served at `/conditions/{slug}.jsonld`.
        async fn json_ld(&self, ctx: &Context<'_>) -> Result<async_graphql::Json<serde_json::Value>> {
            super::jsonld::condition_json_ld(ctx, &self.0).await
        }
    }
}
