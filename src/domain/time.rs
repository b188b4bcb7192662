//! Instants are Unix seconds (i64) everywhere; this is where text turns into them and back.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn now() -> i64 {
    Utc::now().timestamp()
}

pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// `2025-06-30T12:00:00.123456Z`, the log lines' timestamp. Access lines are written per request,
/// so the part down to the second is formatted once per serving thread and second.
pub fn write_log_timestamp(micros: i64, out: &mut impl std::fmt::Write) -> std::fmt::Result {
    thread_local! {
        static SECOND: std::cell::RefCell<(i64, String)> =
            const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let (secs, fraction) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    SECOND.with(|second| {
        let mut second = second.borrow_mut();
        if second.0 != secs {
            let instant = Utc.timestamp_opt(secs, 0).single().unwrap_or_default();
            second.1 = instant.format("%Y-%m-%dT%H:%M:%S").to_string();
            second.0 = secs;
        }
        write!(out, "{}.{fraction:06}Z", second.1)
    })
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

/// `Y-m-d H:i:s` in UTC: the form Composer reads an advisory's `reportedAt` in.
pub fn to_composer_datetime(unix_secs: i64) -> String {
    let instant = Utc.timestamp_opt(unix_secs, 0).single().unwrap_or_default();
    instant.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The UTC day an instant falls in, as `YYYY-MM-DD` (which sorts in time order).
pub fn utc_day(unix_secs: i64) -> String {
    let instant = Utc.timestamp_opt(unix_secs, 0).single().unwrap_or_default();
    instant.format("%Y-%m-%d").to_string()
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

/// A length of time as operators write it: `30d`, `2w`, `12m`, `1y`. Months and years are
/// calendar ones (the same day of the month, or the month's last day when it has no such day), so
/// a renewal `--by 12m` of a window ending 2025-03-31 ends on 2026-03-31.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Days(u32),
    Months(u32),
}

/// Far beyond any licence term, and small enough that no arithmetic on it can overflow.
const LONGEST_PERIOD_DAYS: u32 = 100 * 366;

impl Period {
    pub fn parse(input: &str) -> Result<Self, String> {
        let reason = || {
            format!("invalid period {input:?}: use a number and a unit, e.g. 30d, 2w, 12m or 1y")
        };
        let text = input.trim();
        let unit = text.chars().last().ok_or_else(reason)?;
        let count: u32 = text[..text.len() - unit.len_utf8()]
            .parse()
            .map_err(|_| reason())?;
        let period = match unit {
            'd' => Period::Days(count),
            'w' => Period::Days(count.saturating_mul(7)),
            'm' => Period::Months(count),
            'y' => Period::Months(count.saturating_mul(12)),
            _ => return Err(reason()),
        };
        let days = match period {
            Period::Days(days) => days,
            Period::Months(months) => months.saturating_mul(31),
        };
        match days {
            0 => Err(format!(
                "invalid period {input:?}: it must be longer than nothing"
            )),
            days if days > LONGEST_PERIOD_DAYS => {
                Err(format!("invalid period {input:?}: at most 100 years"))
            }
            _ => Ok(period),
        }
    }

    /// The instant this long after `instant`; `None` past the calendar's end.
    pub fn after(self, instant: i64) -> Option<i64> {
        match self {
            Period::Days(days) => instant.checked_add(i64::from(days) * 86_400),
            Period::Months(months) => Utc
                .timestamp_opt(instant, 0)
                .single()?
                .checked_add_months(chrono::Months::new(months))
                .map(|end| end.timestamp()),
        }
    }
}

/// A span as operators write an overlap: `90s`, `30m` (minutes), `12h`, `7d`, `2w`; in seconds.
/// Unlike [`Period`], `m` here is minutes: overlaps are short, licence terms are long.
pub fn parse_span_secs(input: &str) -> Result<i64, String> {
    let reason =
        || format!("invalid duration {input:?}: use a number and a unit, e.g. 2s, 30m, 12h or 7d");
    let text = input.trim();
    let unit = text.chars().last().ok_or_else(reason)?;
    let count: i64 = text[..text.len() - unit.len_utf8()]
        .parse::<u32>()
        .map_err(|_| reason())?
        .into();
    let unit_secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(reason()),
    };
    let secs = count * unit_secs;
    match secs {
        0 => Err(format!(
            "invalid duration {input:?}: it must be longer than nothing"
        )),
        secs if secs > i64::from(LONGEST_PERIOD_DAYS) * 86_400 => {
            Err(format!("invalid duration {input:?}: at most 100 years"))
        }
        secs => Ok(secs),
    }
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
    fn an_instant_falls_in_its_utc_day() {
        assert_eq!(utc_day(1_735_689_600), "2025-01-01");
        assert_eq!(utc_day(1_735_689_599), "2024-12-31");
    }

    #[test]
    fn http_dates_round_trip() {
        let text = to_http_date(1_735_689_600);
        assert_eq!(text, "Wed, 01 Jan 2025 00:00:00 GMT");
        assert_eq!(parse_http_date(&text), Some(1_735_689_600));
    }

    #[test]
    fn periods_count_days_weeks_and_calendar_months() {
        let end_of_march = parse_access_until("2025-03-31").unwrap();
        let after = |text: &str| Period::parse(text).unwrap().after(end_of_march).unwrap();
        assert_eq!(after("12m"), parse_access_until("2026-03-31").unwrap());
        assert_eq!(after("1y"), after("12m"));
        assert_eq!(after("1m"), parse_access_until("2025-04-30").unwrap());
        assert_eq!(after("30d"), parse_access_until("2025-04-30").unwrap());
        assert_eq!(after("2w"), parse_access_until("2025-04-14").unwrap());
        for nonsense in ["", "d", "12", "12x", "-1d", "0m", "1.5y", "999y"] {
            assert!(Period::parse(nonsense).is_err(), "{nonsense:?} was taken");
        }
    }

    #[test]
    fn spans_count_seconds_minutes_hours_days_and_weeks() {
        assert_eq!(parse_span_secs("2s"), Ok(2));
        assert_eq!(parse_span_secs("30m"), Ok(1_800));
        assert_eq!(parse_span_secs("12h"), Ok(43_200));
        assert_eq!(parse_span_secs("7d"), Ok(604_800));
        assert_eq!(parse_span_secs("1w"), Ok(604_800));
        for nonsense in ["", "s", "10", "10y", "-1s", "0h", "1.5h", "99999999w"] {
            assert!(parse_span_secs(nonsense).is_err(), "{nonsense:?} was taken");
        }
    }
}
