//! Downloads over time for the charts: per hour over the last two days and per day over the
//! last 30, in UTC, overall and per package.
//!
//! Both spans lie inside the 30-day window the download report already reads, so the buckets
//! are filled in the same pass over the events and cost nothing more to fetch.

use serde::{Deserialize, Serialize};

const SECS_PER_HOUR: i64 = 3_600;
const SECS_PER_DAY: i64 = 24 * SECS_PER_HOUR;
/// Hours kept: today and yesterday's traffic side by side.
pub const HOURS_KEPT: usize = 48;
/// Days kept: the report's "last 30 days".
pub const DAYS_KEPT: usize = 30;

/// Counts of download events (dist transfers and reported installs alike) in UTC buckets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// Unix seconds of the first hour's start (UTC).
    pub hours_from: i64,
    /// Oldest first; the last is the hour in progress.
    pub per_hour: Vec<u64>,
    /// Unix seconds of the first day's midnight (UTC).
    pub days_from: i64,
    /// Oldest first; the last is today.
    pub per_day: Vec<u64>,
}

impl Timeline {
    /// Empty buckets for the hours and days ending with the ones `now_micros` falls in.
    pub fn new(now_micros: i64) -> Self {
        let now = now_micros.div_euclid(1_000_000);
        let hour = now - now.rem_euclid(SECS_PER_HOUR);
        let day = now - now.rem_euclid(SECS_PER_DAY);
        Timeline {
            hours_from: hour - (HOURS_KEPT as i64 - 1) * SECS_PER_HOUR,
            per_hour: vec![0; HOURS_KEPT],
            days_from: day - (DAYS_KEPT as i64 - 1) * SECS_PER_DAY,
            per_day: vec![0; DAYS_KEPT],
        }
    }

    /// Counts one event in the hour and the day it falls in; outside both spans it is ignored.
    pub fn record(&mut self, at_micros: i64) {
        let at = at_micros.div_euclid(1_000_000);
        bump(&mut self.per_hour, at - self.hours_from, SECS_PER_HOUR);
        bump(&mut self.per_day, at - self.days_from, SECS_PER_DAY);
    }

    /// Unix seconds of the start of bucket `index` of `per_hour`.
    pub fn hour_at(&self, index: usize) -> i64 {
        self.hours_from + index as i64 * SECS_PER_HOUR
    }

    /// Unix seconds of the midnight starting bucket `index` of `per_day`.
    pub fn day_at(&self, index: usize) -> i64 {
        self.days_from + index as i64 * SECS_PER_DAY
    }
}

fn bump(buckets: &mut [u64], offset: i64, width: i64) {
    if offset < 0 {
        return;
    }
    if let Some(bucket) = usize::try_from(offset / width)
        .ok()
        .and_then(|i| buckets.get_mut(i))
    {
        *bucket += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-06-15T15:06:40Z.
    const NOW: i64 = 1_750_000_000;
    /// 2025-06-15T00:00:00Z.
    const MIDNIGHT: i64 = 1_749_945_600;

    fn micros(secs: i64) -> i64 {
        secs * 1_000_000
    }

    #[test]
    fn the_last_hour_is_the_one_in_progress_and_the_last_day_is_today() {
        let timeline = Timeline::new(micros(NOW));
        assert_eq!(timeline.per_hour.len(), HOURS_KEPT);
        assert_eq!(timeline.per_day.len(), DAYS_KEPT);
        assert_eq!(timeline.hour_at(HOURS_KEPT - 1), MIDNIGHT + 15 * 3_600);
        assert_eq!(timeline.day_at(DAYS_KEPT - 1), MIDNIGHT);
        assert_eq!(timeline.hours_from, MIDNIGHT + 15 * 3_600 - 47 * 3_600);
    }

    #[test]
    fn events_either_side_of_an_hour_boundary_land_in_neighbouring_hours() {
        let mut timeline = Timeline::new(micros(NOW));
        let three_pm = MIDNIGHT + 15 * 3_600;
        timeline.record(micros(three_pm) - 1);
        timeline.record(micros(three_pm));
        timeline.record(micros(three_pm));
        assert_eq!(timeline.per_hour[HOURS_KEPT - 1], 2);
        assert_eq!(timeline.per_hour[HOURS_KEPT - 2], 1);
        assert_eq!(timeline.per_day[DAYS_KEPT - 1], 3);
    }

    #[test]
    fn days_turn_at_midnight_utc() {
        let mut timeline = Timeline::new(micros(NOW));
        timeline.record(micros(MIDNIGHT) - 1);
        timeline.record(micros(MIDNIGHT));
        assert_eq!(timeline.per_day[DAYS_KEPT - 1], 1);
        assert_eq!(timeline.per_day[DAYS_KEPT - 2], 1);
        // Yesterday's last hour is 16 hours before the current one.
        assert_eq!(timeline.per_hour[HOURS_KEPT - 17], 1);
        assert_eq!(timeline.per_hour[HOURS_KEPT - 16], 1);
    }

    #[test]
    fn events_outside_both_spans_are_not_counted() {
        let mut timeline = Timeline::new(micros(NOW));
        timeline.record(micros(timeline.days_from) - 1);
        timeline.record(micros(timeline.hours_from) - 1);
        timeline.record(micros(MIDNIGHT + SECS_PER_DAY));
        assert_eq!(timeline.per_hour.iter().sum::<u64>(), 0);
        // Only the one just before the first hour still falls inside the 30 days.
        assert_eq!(timeline.per_day.iter().sum::<u64>(), 1);
    }
}
