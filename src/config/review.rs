//! The editorial review policy.

use clap::Args;

use crate::domain::rules::workflow::ReviewPolicy;

/// Months until published content is due for review again, unless a reviewer sets its date.
pub const DEFAULT_REVIEW_INTERVAL_MONTHS: u32 = 12;

#[derive(Clone, Debug, Args)]
pub struct ReviewConfig {
    /// Four-eyes rule: a reviewer may not publish what they submitted for review themselves.
    /// Turn it off only for a one-person team.
    #[arg(long, env = "CAREGRAPH_FOUR_EYES", default_value_t = true, action = clap::ArgAction::Set)]
    pub four_eyes: bool,

    /// Months from a publication to the content's next review date (`reviewDue`).
    #[arg(
        long,
        env = "CAREGRAPH_REVIEW_INTERVAL_MONTHS",
        default_value_t = DEFAULT_REVIEW_INTERVAL_MONTHS,
        value_parser = clap::value_parser!(u32).range(1..=120)
    )]
    pub review_interval_months: u32,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        Self {
            four_eyes: true,
            review_interval_months: DEFAULT_REVIEW_INTERVAL_MONTHS,
        }
    }
}

impl ReviewConfig {
    pub fn policy(&self) -> ReviewPolicy {
        ReviewPolicy {
            four_eyes: self.four_eyes,
            interval_months: self.review_interval_months,
        }
    }
}
