//! Security advisories: a vendor's notice that some versions of a package are affected, in the
//! form Composer's `audit` reads (see `composer_json`).

use super::licence::VersionBound;
use super::names::{NameError, PackageName};
use super::time;
use super::version::NormalizedVersion;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(NameError(format!(
                "unknown severity {input:?}: use low, medium, high or critical"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// One advisory as stored. Withdrawn advisories are kept (their id stays taken) but no longer
/// served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// `PKGA-YYYY-NNNN`: the year it was added and its number within that year.
    pub id: String,
    pub package: PackageName,
    /// The affected versions, parsed by the same code as a licence's version bound.
    pub affected: VersionBound,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cve: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Unix seconds.
    pub reported_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<i64>,
}

/// The name given as the source of every advisory this repository serves.
pub const SOURCE_NAME: &str = "packagento";

impl Advisory {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn_at.is_some()
    }

    pub fn affects(&self, version: &NormalizedVersion) -> bool {
        self.affected.allows(version)
    }

    /// The advisory as a p2 file's `security-advisories` entry and the api-url answer carry it.
    pub fn composer_json(&self) -> Value {
        let mut advisory = json!({
            "advisoryId": self.id,
            "packageName": self.package.as_str(),
            "affectedVersions": self.affected.as_str(),
            "title": self.title,
            "sources": [{"name": SOURCE_NAME, "remoteId": self.id}],
            "reportedAt": time::to_composer_datetime(self.reported_at),
            "cve": self.cve,
            "link": self.link,
        });
        if let (Some(severity), Some(fields)) = (self.severity, advisory.as_object_mut()) {
            fields.insert("severity".into(), severity.as_str().into());
        }
        advisory
    }
}

/// The id of the `number`th advisory added in `year`.
pub fn advisory_id(year: i32, number: u32) -> String {
    format!("PKGA-{year}-{number:04}")
}

/// Reads an id as the operator types it (any case); `None` if it is not of our form.
pub fn parse_advisory_id(input: &str) -> Option<String> {
    let upper = input.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix("PKGA-")?;
    let (year, number) = rest.split_once('-')?;
    let digits = |s: &str, min: usize| s.len() >= min && s.bytes().all(|b| b.is_ascii_digit());
    (digits(year, 4) && year.len() == 4 && digits(number, 4)).then_some(upper)
}

/// `CVE-YYYY-NNNN` (four or more digits after the year), as MITRE assigns them.
pub fn parse_cve(input: &str) -> Result<String, NameError> {
    let upper = input.trim().to_ascii_uppercase();
    let valid = upper.strip_prefix("CVE-").and_then(|rest| {
        let (year, number) = rest.split_once('-')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (year.len() == 4 && digits(year) && number.len() >= 4 && digits(number)).then_some(())
    });
    match valid {
        Some(()) => Ok(upper),
        None => Err(NameError(format!(
            "invalid CVE id {input:?}: expected CVE-YYYY-NNNN, e.g. CVE-2026-12345"
        ))),
    }
}

/// An absolute http(s) URL without spaces or control characters.
pub fn parse_link(input: &str) -> Result<String, NameError> {
    let link = input.trim();
    let has_scheme = link.starts_with("https://") || link.starts_with("http://");
    let host_given = link
        .split("://")
        .nth(1)
        .is_some_and(|rest| !rest.is_empty());
    let clean = !link.chars().any(|c| c.is_whitespace() || c.is_control());
    if has_scheme && host_given && clean && link.len() <= 2048 {
        Ok(link.to_string())
    } else {
        Err(NameError(format!(
            "invalid link {input:?}: give an absolute http:// or https:// URL"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::version::normalize;

    fn advisory() -> Advisory {
        Advisory {
            id: advisory_id(2026, 1),
            package: PackageName::parse("acme/core").unwrap(),
            affected: VersionBound::parse(">=1.0,<1.2.3").unwrap(),
            title: "Remote code execution in the importer".into(),
            severity: Some(Severity::High),
            cve: Some("CVE-2026-12345".into()),
            link: Some("https://acme.example/security/1".into()),
            reported_at: 1_795_000_000,
            created_at: 1_795_000_000,
            updated_at: 1_795_000_000,
            withdrawn_at: None,
        }
    }

    #[test]
    fn an_advisory_is_served_in_the_form_composer_reads_as_a_full_advisory() {
        let json = advisory().composer_json();
        assert_eq!(json["advisoryId"], "PKGA-2026-0001");
        assert_eq!(json["packageName"], "acme/core");
        assert_eq!(json["affectedVersions"], ">=1.0,<1.2.3");
        assert_eq!(json["reportedAt"], "2026-11-18 11:06:40");
        assert_eq!(json["sources"][0]["remoteId"], "PKGA-2026-0001");
        assert_eq!(json["severity"], "high");
        assert_eq!(json["cve"], "CVE-2026-12345");
    }

    #[test]
    fn the_affected_constraint_matches_versions_as_composer_would() {
        let advisory = advisory();
        let affects = |v: &str| advisory.affects(&normalize(v).unwrap());
        assert!(affects("1.0.0.0"));
        assert!(affects("1.2.2.0"));
        assert!(!affects("1.2.3.0"));
        assert!(!affects("0.9.0.0"));
    }

    #[test]
    fn ids_cves_and_links_are_checked() {
        assert_eq!(
            parse_advisory_id("pkga-2026-0042").as_deref(),
            Some("PKGA-2026-0042")
        );
        assert_eq!(parse_advisory_id("PKGA-26-1"), None);
        assert_eq!(parse_advisory_id("../../etc"), None);
        assert_eq!(parse_cve("cve-2026-1234").unwrap(), "CVE-2026-1234");
        assert!(parse_cve("CVE-2026-12").is_err());
        assert!(parse_cve("CVE-26-12345").is_err());
        assert!(parse_link("https://acme.example/a").is_ok());
        assert!(parse_link("javascript:alert(1)").is_err());
        assert!(parse_link("https://").is_err());
        assert!(parse_link("https://a b").is_err());
        assert!(Severity::parse("Critical").is_ok());
        assert!(Severity::parse("urgent").is_err());
    }
}
