//! From the engine's severities to the report's levels (Critical / High / Medium / Low).
//!
//! | engine severity | report level | except |
//! |---|---|---|
//! | error | High | Critical for [`CRITICAL`] rules |
//! | warning | Medium | High for [`RAISED`] rules |
//! | info, hint | Low | |
//!
//! The mapping starts from the finding's *effective* severity, so a project that lowers a rule
//! in its configuration (`[severity] PF302 = "info"`) lowers it in the report too.

use super::model::Level;
use crate::analysis::Severity;

/// Rules whose error-level findings are a production incident or a breach waiting to happen:
/// credentials in the code, debug mode, injection, code execution on load, turned-off TLS or
/// token verification, path traversal, and CORS that allows credentials from every origin
/// (PF301 is an error only in that case).
pub const CRITICAL: &[&str] = &[
    "PF202", "PF301", "PF302", "PF303", "PF308", "PF309", "PF501", "PF503", "PF504", "PF505",
];

/// Rules whose warnings are raised to High: a missing timeout hangs workers (the most common
/// outage these rules find), an open CORS or `ALLOWED_HOSTS`, a secret with a literal fallback,
/// and error details sent to clients.
pub const RAISED: &[&str] = &["PF107", "PF201", "PF301", "PF304", "PF502"];

/// The report level of a finding of `code` at `severity`.
pub fn level(code: &str, severity: Severity) -> Level {
    match severity {
        Severity::Error if CRITICAL.contains(&code) => Level::Critical,
        Severity::Error => Level::High,
        Severity::Warning if RAISED.contains(&code) => Level::High,
        Severity::Warning => Level::Medium,
        Severity::Info | Severity::Hint => Level::Low,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_map_with_the_documented_exceptions() {
        assert_eq!(level("PF303", Severity::Error), Level::Critical);
        assert_eq!(level("PF401", Severity::Error), Level::High);
        assert_eq!(level("PF201", Severity::Warning), Level::High);
        assert_eq!(level("PF101", Severity::Warning), Level::Medium);
        assert_eq!(level("PF105", Severity::Info), Level::Low);
        // Lowered in the configuration: lowered in the report.
        assert_eq!(level("PF302", Severity::Info), Level::Low);
        assert_eq!(level("PF301", Severity::Warning), Level::High);
        assert_eq!(level("PF301", Severity::Error), Level::Critical);
    }
}
