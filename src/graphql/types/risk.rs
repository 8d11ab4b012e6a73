//! `Risk`.

use async_graphql::{Context, Result};
use entity::sea_orm_active_enums::{NodeKind as K, Predicate as P};

use super::link::{ConditionLink, TreatmentLink};
use super::node::{LinkField, LinkSel, linked, links, node_object};
use super::{Condition, Treatment};

const TREATMENTS: LinkSel = LinkSel::incoming(P::HasAdverseRisk, K::Treatment);
const LEADS_TO: LinkSel = LinkSel::out(P::MayLeadTo, K::Condition);
const RISK_FACTOR_OF: LinkSel = LinkSel::incoming(P::HasRiskFactor, K::Condition);
const IS_CONDITION: LinkSel = LinkSel::out(P::IsCondition, K::Condition);

/// The link fields and what each reads (`node::link_fields`).
pub(super) const LINK_FIELDS: &[LinkField] = &[
    LinkField::nodes("treatments", TREATMENTS),
    LinkField::links("treatmentLinks", TREATMENTS),
    LinkField::nodes("leadsTo", LEADS_TO),
    LinkField::links("leadsToLinks", LEADS_TO),
    LinkField::nodes("riskFactorOf", RISK_FACTOR_OF),
    LinkField::links("riskFactorOfLinks", RISK_FACTOR_OF),
    LinkField::nodes("isCondition", IS_CONDITION),
];

node_object! {
    /// A risk: a danger of a treatment (the needle touching a nerve root) or a risk factor of a
    /// condition.
    Risk {
        /// Treatments that carry this risk.
        async fn treatments(&self, ctx: &Context<'_>) -> Result<Vec<Treatment>> {
            linked(ctx, self.0.id, TREATMENTS).await
        }
        /// Treatments that carry this risk, with the link's attributes and citations.
        async fn treatment_links(&self, ctx: &Context<'_>) -> Result<Vec<TreatmentLink>> {
            links(ctx, self.0.id, TREATMENTS).await
        }
        /// Conditions this risk may lead to.
        async fn leads_to(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, LEADS_TO).await
        }
        /// Conditions this risk may lead to, with the link's attributes and citations.
        async fn leads_to_links(&self, ctx: &Context<'_>) -> Result<Vec<ConditionLink>> {
            links(ctx, self.0.id, LEADS_TO).await
        }
        /// Conditions this is a risk factor of.
        async fn risk_factor_of(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, RISK_FACTOR_OF).await
        }
        /// Conditions this is a risk factor of, with the link's attributes and citations.
        async fn risk_factor_of_links(&self, ctx: &Context<'_>) -> Result<Vec<ConditionLink>> {
            links(ctx, self.0.id, RISK_FACTOR_OF).await
        }
        /// The condition this risk is, when the risk factor is itself a condition.
        async fn is_condition(&self, ctx: &Context<'_>) -> Result<Vec<Condition>> {
            linked(ctx, self.0.id, IS_CONDITION).await
        }
    }
}
