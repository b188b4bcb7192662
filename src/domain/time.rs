//! Instants are Unix seconds (i64) everywhere; this is where text turns into them and back.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn now() -> i64 {
    Utc::now().timestamp()
}

pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// `2025-06-30` means the end of that day, UTC; RFC 3339 is taken as the exact instant.
pub fn parse_access_until(input: &str) -> Result<i64, String> {
    if let Ok(date) = NaiveDate::parse_from_str(input, "%Y-%m-%d") {
        let end = date
            .and_hms_opt(23, 59, 59)
            .expect("23:59:59 is a valid time");
        return Ok(Utc.from_utc_datetime(&end).timestamp());
    }
    DateTime::parse_from_rfc3339(input)
        .map(|instant| instant.timestamp())
        .map_err(|_| {
            format!("invalid date {input:?}: use YYYY-MM-DD or RFC 3339 (2025-06-30T12:00:00Z)")
        })
}

/// Release times as vendors write them: RFC 3339, Composer's `Y-m-d H:i:s` (UTC), or a bare date
/// (its start).
pub fn parse_release_time(input: &str) -> Result<i64, String> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(input) {
        return Ok(instant.timestamp());
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(input, format) {
            return Ok(Utc.from_utc_datetime(&naive).timestamp());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(input, "%Y-%m-%d") {
        let start = date.and_hms_opt(0, 0, 0).expect("midnight is a valid time");
        return Ok(Utc.from_utc_datetime(&start).timestamp());
    }
    if let Ok(with_offset) = DateTime::parse_from_str(input, "%Y-%m-%d %H:%M:%S%z") {
        return Ok(with_offset.timestamp());
    }
    Err(format!(
        "invalid release time {input:?}: use RFC 3339 (2025-06-30T12:00:00Z) or YYYY-MM-DD"
    ))
}

/// The form Composer itself writes in metadata: `2025-06-30T12:00:00+00:00`.
pub fn to_rfc3339(unix_secs: i64) -> String {
    let instant = Utc.timestamp_opt(unix_secs, 0).single().unwrap_or_default();
    instant.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

pub fn to_http_date(unix_secs: i64) -> String {
    let secs = u64::try_from(unix_secs).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

pub fn parse_http_date(input: &str) -> Option<i64> {
    let instant = httpdate::parse_http_date(input).ok()?;
    let secs = instant
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    i64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_access_date_means_the_end_of_that_day() {
        assert_eq!(parse_access_until("2025-01-01"), Ok(1_735_775_999));
        assert_eq!(
            parse_access_until("2025-01-01T00:00:00Z"),
            Ok(1_735_689_600)
        );
        assert!(parse_access_until("next tuesday").is_err());
    }

    #[test]
    fn release_times_accept_composer_forms() {
        assert_eq!(parse_release_time("2025-01-01 00:00:00"), Ok(1_735_689_600));
        assert_eq!(
            parse_release_time("2025-01-01T01:00:00+01:00"),
            Ok(1_735_689_600)
        );
        assert_eq!(parse_release_time("2025-01-01"), Ok(1_735_689_600));
        assert!(parse_release_time("soon").is_err());
    }

    #[test]
    fn http_dates_round_trip() {
        let text = to_http_date(1_735_689_600);
        assert_eq!(text, "Wed, 01 Jan 2025 00:00:00 GMT");
        assert_eq!(parse_http_date(&text), Some(1_735_689_600));
    }
}
