//! Protection of the service: rate limits, CORS, database start-up retries, shutdown grace.

use std::time::Duration;

use clap::Args;

/// Rate limiting, cross-origin access and shutdown. Database settings shared by every
/// subcommand (start-up retries, statement timeout) live in `Config`.
#[derive(Clone, Debug, Args)]
pub struct GuardConfig {
    /// Requests per second each client may make on average (a client is its bearer token,
    /// else its address); 0 turns rate limiting off. /healthz, /readyz and /metrics are
    /// never limited. The default stops floods without ever slowing an analyst in GraphiQL
    /// or a frontend; each request's own cost is bounded by the query limits.
    #[arg(long, env = "CAREGRAPH_RATE_LIMIT_PER_SECOND", default_value_t = 100)]
    pub rate_limit_per_second: u32,

    /// Requests a client may make at once above its average rate before it is refused with
    /// 429 RATE_LIMITED.
    #[arg(long, env = "CAREGRAPH_RATE_LIMIT_BURST", default_value_t = 400)]
    pub rate_limit_burst: u32,

    /// Browser origins allowed to call the API from another site, e.g.
    /// `https://app.example.org` (comma-separated). Empty: no cross-origin access.
    #[arg(
        long = "cors-allowed-origin",
        env = "CAREGRAPH_CORS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        value_parser = parse_origin
    )]
    pub cors_allowed_origins: Vec<String>,

    /// On SIGTERM or Ctrl-C, how long in-flight requests have to finish before they are cut,
    /// in seconds.
    #[arg(long, env = "CAREGRAPH_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            rate_limit_per_second: 100,
            rate_limit_burst: 400,
            cors_allowed_origins: Vec::new(),
            shutdown_grace_secs: 30,
        }
    }
}

impl GuardConfig {
    /// Whether requests are rate limited at all.
    pub fn rate_limited(&self) -> bool {
        self.rate_limit_per_second > 0 && self.rate_limit_burst > 0
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// An origin as browsers send it: `scheme://host[:port]`, no path, no trailing slash. Checked at
/// start so a typo fails loudly instead of silently locking a frontend out.
pub fn parse_origin(value: &str) -> Result<String, String> {
    let value = value.trim();
    let Some((scheme, authority)) = value.split_once("://") else {
        return Err(format!(
            "{value:?} is not an origin: expected scheme://host[:port], e.g. https://app.example.org"
        ));
    };
    if !matches!(scheme, "http" | "https") {
        return Err(format!(
            "{value:?}: only http and https origins are allowed"
        ));
    }
    let valid_authority = !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !valid_authority {
        return Err(format!(
            "{value:?} is not an origin: expected scheme://host[:port] with no path, e.g. https://app.example.org"
        ));
    }
    Ok(value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::parse_origin;

    #[test]
    fn origins_are_checked_and_normalised() {
        assert_eq!(
            parse_origin("https://App.Example.org").as_deref(),
            Ok("https://app.example.org")
        );
        assert_eq!(
            parse_origin("http://localhost:3000").as_deref(),
            Ok("http://localhost:3000")
        );
        for bad in [
            "*",
            "app.example.org",
            "https://app.example.org/",
            "https://app.example.org/path",
            "ftp://x",
            "https://",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
