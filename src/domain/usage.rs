//! A token's use per UTC day (requests, addresses, user agents) and the rules that flag a token
//! as shared: too many addresses in a day, or installs from different addresses at once.
//!
//! Every list here is bounded, so a client that sends a new address or user agent with each
//! request grows a row to a fixed size and no further.

use super::names::PublicKey;
use serde::{Deserialize, Serialize};

/// Addresses kept by name per token and day; requests from others are only counted.
pub const ADDRESSES_KEPT: usize = 64;
/// User agents kept by name per token and day.
pub const AGENTS_KEPT: usize = 32;
/// Requests from one address with gaps shorter than this belong to one install.
pub const INSTALL_GAP_MILLIS: i64 = 60_000;
/// Installs in progress remembered per token; past it the longest-quiet one is forgotten.
pub const OPEN_INSTALLS_KEPT: usize = 64;

/// One value (an address, a user agent) and the requests that carried it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub value: String,
    pub requests: u64,
}

/// Values with their request counts, the first `cap` distinct ones by name; requests carrying
/// any other value add to `other_requests` ("and N more requests").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedValues {
    pub kept: Vec<Counted>,
    #[serde(default)]
    pub other_requests: u64,
}

impl CountedValues {
    pub fn add(&mut self, value: &str, requests: u64, cap: usize) {
        if let Some(known) = self.kept.iter_mut().find(|c| c.value == value) {
            known.requests = known.requests.saturating_add(requests);
        } else if self.kept.len() < cap {
            self.kept.push(Counted {
                value: value.to_string(),
                requests,
            });
        } else {
            self.other_requests = self.other_requests.saturating_add(requests);
        }
    }

    pub fn merge(&mut self, other: &CountedValues, cap: usize) {
        for counted in &other.kept {
            self.add(&counted.value, counted.requests, cap);
        }
        self.other_requests = self.other_requests.saturating_add(other.other_requests);
    }

    /// Distinct values known by name, plus one when others were seen (at least one more).
    pub fn distinct_at_least(&self) -> usize {
        self.kept.len() + usize::from(self.other_requests > 0)
    }

    /// Busiest first, then by name, for display.
    pub fn busiest_first(&self) -> Vec<Counted> {
        let mut sorted = self.kept.clone();
        sorted.sort_by(|a, b| (b.requests, &a.value).cmp(&(a.requests, &b.value)));
        sorted
    }
}

/// Why a token was flagged as shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// More distinct addresses in the day than `alerts.shared_token_ips`.
    Addresses,
    /// Two installs from different addresses ran at the same time.
    OverlappingInstalls,
}

/// Raised at most once per token and day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedAlert {
    /// Unix seconds when it was raised.
    pub at: i64,
    pub kind: AlertKind,
    /// "used from 6 addresses on 2026-11-27 (limit 5)"
    pub reason: String,
}

/// A token's most recent alert, as listings show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFlag {
    /// `YYYY-MM-DD`: the UTC day the token was used that way.
    pub day: String,
    pub kind: AlertKind,
    pub reason: String,
}

/// One public key's use on one UTC day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsageDay {
    pub public_key: PublicKey,
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub requests: u64,
    /// Unix seconds of the first and the last request counted.
    pub first_at: i64,
    pub last_at: i64,
    pub addresses: CountedValues,
    pub user_agents: CountedValues,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_alert: Option<SharedAlert>,
}

impl TokenUsageDay {
    pub fn new(public_key: PublicKey, day: String, at: i64) -> Self {
        Self {
            public_key,
            day,
            requests: 0,
            first_at: at,
            last_at: at,
            addresses: CountedValues::default(),
            user_agents: CountedValues::default(),
            shared_alert: None,
        }
    }

    /// Counts one request.
    pub fn note(&mut self, at: i64, address: &str, user_agent: &str) {
        self.requests = self.requests.saturating_add(1);
        self.first_at = self.first_at.min(at);
        self.last_at = self.last_at.max(at);
        self.addresses.add(address, 1, ADDRESSES_KEPT);
        self.user_agents.add(user_agent, 1, AGENTS_KEPT);
    }

    /// Adds what `other` counted (the same key and day); an alert already raised stays.
    pub fn merge(&mut self, other: &TokenUsageDay) {
        self.requests = self.requests.saturating_add(other.requests);
        self.first_at = self.first_at.min(other.first_at);
        self.last_at = self.last_at.max(other.last_at);
        self.addresses.merge(&other.addresses, ADDRESSES_KEPT);
        self.user_agents.merge(&other.user_agents, AGENTS_KEPT);
        if self.shared_alert.is_none() {
            self.shared_alert.clone_from(&other.shared_alert);
        }
    }

    /// The alert this day now deserves, when it has none yet: too many addresses, or the
    /// overlap of installs (`overlap`: the two addresses) seen in memory.
    pub fn alert_due(
        &self,
        limit: usize,
        overlap: Option<&(String, String)>,
        now: i64,
    ) -> Option<SharedAlert> {
        if self.shared_alert.is_some() {
            return None;
        }
        let addresses = self.addresses.distinct_at_least();
        if addresses > limit {
            let more = if self.addresses.other_requests > 0 {
                " or more"
            } else {
                ""
            };
            return Some(SharedAlert {
                at: now,
                kind: AlertKind::Addresses,
                reason: format!(
                    "used from {addresses}{more} addresses on {} (limit {limit})",
                    self.day
                ),
            });
        }
        overlap.map(|(first, second)| SharedAlert {
            at: now,
            kind: AlertKind::OverlappingInstalls,
            reason: format!(
                "overlapping installs from {first} and {second} on {}",
                self.day
            ),
        })
    }
}

/// A run of requests from one address, no two further apart than `INSTALL_GAP_MILLIS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Install {
    pub address: String,
    /// Unix milliseconds of its first and latest request.
    pub start: i64,
    pub last: i64,
}

/// Two installs overlap when each began before the other's latest request: they ran at once.
/// Touching ends (one starts the instant the other's last request came) do not count.
pub fn overlapping(a: &Install, b: &Install) -> bool {
    a.address != b.address && a.start < b.last && b.start < a.last
}

/// The installs of one token still in progress (their last request less than the gap ago).
#[derive(Clone, Debug, Default)]
pub struct Installs {
    open: Vec<Install>,
}

impl Installs {
    /// Counts a request from `address` at `at` (Unix milliseconds); answers the two addresses
    /// when this request makes its install overlap another address's.
    pub fn note(&mut self, address: &str, at: i64) -> Option<(String, String)> {
        self.forget_before(at);
        let index = match self.open.iter().position(|i| i.address == address) {
            Some(index) => index,
            None => {
                if self.open.len() >= OPEN_INSTALLS_KEPT {
                    let quietest = (0..self.open.len()).min_by_key(|&i| self.open[i].last);
                    if let Some(quietest) = quietest {
                        self.open.swap_remove(quietest);
                    }
                }
                self.open.push(Install {
                    address: address.to_string(),
                    start: at,
                    last: at,
                });
                self.open.len() - 1
            }
        };
        let current = &mut self.open[index];
        current.last = current.last.max(at);
        let current = &self.open[index];
        self.open
            .iter()
            .find(|other| overlapping(current, other))
            .map(|other| (other.address.clone(), current.address.clone()))
    }

    /// Drops installs that ended: their last request is a whole gap before `now`.
    pub fn forget_before(&mut self, now: i64) {
        self.open.retain(|i| now - i.last < INSTALL_GAP_MILLIS);
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(address: &str, start: i64, last: i64) -> Install {
        Install {
            address: address.into(),
            start,
            last,
        }
    }

    #[test]
    fn installs_overlap_only_when_both_run_at_once_from_different_addresses() {
        let a = install("10.0.0.1", 1_000, 5_000);
        assert!(overlapping(&a, &install("10.0.0.2", 4_000, 9_000)));
        assert!(overlapping(&a, &install("10.0.0.2", 2_000, 3_000)));
        assert!(!overlapping(&a, &install("10.0.0.2", 5_000, 9_000)));
        assert!(!overlapping(&a, &install("10.0.0.2", 6_000, 9_000)));
        assert!(!overlapping(&a, &install("10.0.0.1", 2_000, 3_000)));
    }

    #[test]
    fn a_second_address_installing_during_the_first_install_is_an_overlap() {
        let mut installs = Installs::default();
        assert_eq!(installs.note("10.0.0.1", 0), None);
        assert_eq!(installs.note("10.0.0.1", 10_000), None);
        assert_eq!(installs.note("10.0.0.2", 12_000), None);
        let overlap = installs.note("10.0.0.1", 15_000);
        assert_eq!(overlap, Some(("10.0.0.2".into(), "10.0.0.1".into())));
    }

    #[test]
    fn installs_one_after_the_other_do_not_overlap() {
        let mut installs = Installs::default();
        for at in [0, 1_000, 2_000] {
            assert_eq!(installs.note("10.0.0.1", at), None);
        }
        for at in [3_000, 4_000, 30_000] {
            assert_eq!(installs.note("10.0.0.2", at), None);
        }
        // The first address comes back after a gap: a new install, after the second one.
        assert_eq!(installs.note("10.0.0.1", 95_000), None);
        assert!(installs.note("10.0.0.1", 96_000).is_none());
    }

    #[test]
    fn a_quiet_gap_ends_an_install_and_forgets_it() {
        let mut installs = Installs::default();
        installs.note("10.0.0.1", 0);
        installs.forget_before(INSTALL_GAP_MILLIS);
        assert!(installs.is_empty());
    }

    #[test]
    fn open_installs_are_bounded() {
        let mut installs = Installs::default();
        for n in 0..(OPEN_INSTALLS_KEPT as i64 * 3) {
            installs.note(&format!("10.0.{}.{}", n / 256, n % 256), n);
        }
        assert_eq!(installs.open.len(), OPEN_INSTALLS_KEPT);
    }

    #[test]
    fn counted_values_keep_the_first_values_and_count_the_rest() {
        let mut values = CountedValues::default();
        for n in 0..100 {
            values.add(&format!("10.0.0.{n}"), 1, ADDRESSES_KEPT);
        }
        values.add("10.0.0.1", 5, ADDRESSES_KEPT);
        values.add("10.0.0.99", 2, ADDRESSES_KEPT);
        assert_eq!(values.kept.len(), ADDRESSES_KEPT);
        assert_eq!(values.other_requests, 100 - ADDRESSES_KEPT as u64 + 2);
        assert_eq!(values.distinct_at_least(), ADDRESSES_KEPT + 1);
        assert_eq!(values.busiest_first()[0].value, "10.0.0.1");
        assert_eq!(values.busiest_first()[0].requests, 6);
    }

    #[test]
    fn merging_rows_keeps_them_bounded() {
        let key = PublicKey::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let mut stored = TokenUsageDay::new(key.clone(), "2026-11-27".into(), 10);
        let mut fresh = TokenUsageDay::new(key, "2026-11-27".into(), 5);
        for n in 0..50 {
            stored.note(10, &format!("10.0.0.{n}"), &format!("agent {n}"));
            fresh.note(20, &format!("10.0.1.{n}"), &format!("other agent {n}"));
        }
        stored.merge(&fresh);
        assert_eq!(stored.requests, 100);
        assert_eq!((stored.first_at, stored.last_at), (5, 20));
        assert_eq!(stored.addresses.kept.len(), ADDRESSES_KEPT);
        assert_eq!(stored.addresses.other_requests, 100 - ADDRESSES_KEPT as u64);
        assert_eq!(stored.user_agents.kept.len(), AGENTS_KEPT);
        assert_eq!(stored.user_agents.other_requests, 100 - AGENTS_KEPT as u64);
    }

    #[test]
    fn an_alert_is_due_past_the_limit_and_only_once() {
        let key = PublicKey::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let mut day = TokenUsageDay::new(key, "2026-11-27".into(), 0);
        for n in 0..5 {
            day.note(0, &format!("10.0.0.{n}"), "Composer/2.8");
        }
        assert_eq!(day.alert_due(5, None, 1), None);
        day.note(0, "10.0.0.9", "Composer/2.8");
        let alert = day.alert_due(5, None, 1).unwrap();
        assert_eq!(alert.kind, AlertKind::Addresses);
        assert_eq!(
            alert.reason,
            "used from 6 addresses on 2026-11-27 (limit 5)"
        );
        day.shared_alert = Some(alert);
        assert_eq!(day.alert_due(5, None, 2), None);
    }

    #[test]
    fn an_overlap_raises_an_alert_below_the_address_limit() {
        let key = PublicKey::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let day = TokenUsageDay::new(key, "2026-11-27".into(), 0);
        let pair = ("10.0.0.1".to_string(), "10.0.0.2".to_string());
        let alert = day.alert_due(5, Some(&pair), 1).unwrap();
        assert_eq!(alert.kind, AlertKind::OverlappingInstalls);
        assert_eq!(
            alert.reason,
            "overlapping installs from 10.0.0.1 and 10.0.0.2 on 2026-11-27"
        );
    }
}
