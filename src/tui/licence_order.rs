//! How the Licences screen orders its rows (`s` cycles the column) and the state each licence is
//! in, which the screen shows and its filter matches.

use crate::domain::time::parse_access_until;
use crate::service::summaries::LicenceSummary;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LicenceSort {
    /// As the server lists them: oldest first.
    #[default]
    Created,
    /// The subscription window ending soonest first; perpetual licences last.
    Expiry,
    Customer,
    /// By the first project it is activated on; licences on none last.
    Project,
    Package,
    /// Active, then expired, then revoked.
    State,
}

impl LicenceSort {
    pub const ALL: [LicenceSort; 6] = [
        LicenceSort::Created,
        LicenceSort::Expiry,
        LicenceSort::Customer,
        LicenceSort::Project,
        LicenceSort::Package,
        LicenceSort::State,
    ];

    pub fn next(self) -> LicenceSort {
        let index = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(index + 1) % Self::ALL.len()]
    }

    pub fn name(self) -> &'static str {
        match self {
            LicenceSort::Created => "created",
            LicenceSort::Expiry => "expiry",
            LicenceSort::Customer => "customer",
            LicenceSort::Project => "project",
            LicenceSort::Package => "package",
            LicenceSort::State => "state",
        }
    }

    /// Ties keep the server's order (the sort is stable).
    pub fn sort(self, rows: &mut [&LicenceSummary], now: i64) {
        if self != LicenceSort::Created {
            rows.sort_by(|a, b| self.compare(a, b, now));
        }
    }

    fn compare(self, a: &LicenceSummary, b: &LicenceSummary, now: i64) -> Ordering {
        let first = |items: &[String]| items.iter().min().cloned();
        match self {
            LicenceSort::Created => Ordering::Equal,
            LicenceSort::Expiry => last_none(window_end(a), window_end(b)),
            LicenceSort::Customer => a.customer.cmp(&b.customer),
            LicenceSort::Project => last_none(first(&a.projects), first(&b.projects)),
            LicenceSort::Package => last_none(first(&a.packages), first(&b.packages)),
            LicenceSort::State => state(a, now).rank().cmp(&state(b, now).rank()),
        }
    }
}

/// Values in order, the missing ones after all the others.
fn last_none<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (a, b) => a.is_none().cmp(&b.is_none()),
    }
}

fn window_end(licence: &LicenceSummary) -> Option<i64> {
    let until = licence.access_until.as_deref()?;
    parse_access_until(until).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceState {
    /// Grants what it covers, new releases included.
    Active,
    /// A subscription whose window has closed: releases from before it stay installable.
    Expired,
    /// Grants nothing.
    Revoked,
}

impl LicenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceState::Active => "active",
            LicenceState::Expired => "expired",
            LicenceState::Revoked => "revoked",
        }
    }

    fn rank(self) -> u8 {
        self as u8
    }
}

pub fn state(licence: &LicenceSummary, now: i64) -> LicenceState {
    match (licence.revoked, window_end(licence)) {
        (true, _) => LicenceState::Revoked,
        (false, Some(end)) if end < now => LicenceState::Expired,
        (false, _) => LicenceState::Active,
    }
}
