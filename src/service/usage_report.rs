//! What the stored usage says about tokens: `token show`'s history per day, and the recent
//! shared-token flags that `token list`, `customer show` and the Dashboard carry.
//!
//! Usage is stored per public key; a token's history is that of all the keys it has had.

use super::summaries::TokenSummary;
use super::{App, Result, ServiceError, invalid};
use crate::domain::names::PublicKey;
use crate::domain::records::Token;
use crate::domain::time;
use crate::domain::usage::{Counted, SharedAlert, SharedFlag, TokenUsageDay};
use crate::store::{Reader, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An alert stays on listings for this many UTC days, today included.
pub const ALERT_WINDOW_DAYS: u32 = 7;
/// `token show` without `--days`.
pub const DEFAULT_HISTORY_DAYS: u32 = 30;
const MOST_HISTORY_DAYS: u32 = 3660;

/// `token show`: the token and its use per day, newest day first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDetail {
    pub token: TokenSummary,
    /// Every public key the token has had, the current one last; usage under each counts.
    pub keys: Vec<String>,
    pub days: Vec<UsageDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDay {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub requests: u64,
    /// Busiest first; at most `ADDRESSES_KEPT` by name.
    pub addresses: Vec<Counted>,
    /// Requests from addresses not listed by name.
    pub other_address_requests: u64,
    /// Busiest first; at most `AGENTS_KEPT` by name.
    pub user_agents: Vec<Counted>,
    pub other_agent_requests: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_alert: Option<SharedAlert>,
}

impl From<TokenUsageDay> for UsageDay {
    fn from(row: TokenUsageDay) -> Self {
        UsageDay {
            addresses: row.addresses.busiest_first(),
            other_address_requests: row.addresses.other_requests,
            user_agents: row.user_agents.busiest_first(),
            other_agent_requests: row.user_agents.other_requests,
            day: row.day,
            requests: row.requests,
            shared_alert: row.shared_alert,
        }
    }
}

/// A token flagged as shared within the alert window, for the Dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedToken {
    pub public_key: String,
    pub project: String,
    pub label: String,
    pub shared_alert: SharedFlag,
}

/// The first UTC day of a window of `days` days ending today.
fn first_day(now: i64, days: u32) -> String {
    time::utc_day(now - i64::from(days.saturating_sub(1)) * 86_400)
}

/// The token's usage from `from_day` on, the rows of all its keys added up per day.
fn history(
    r: &Reader,
    token: &Token,
    from_day: &str,
) -> std::result::Result<BTreeMap<String, TokenUsageDay>, StoreError> {
    let mut days: BTreeMap<String, TokenUsageDay> = BTreeMap::new();
    for key in token.all_keys() {
        for row in r.token_usage_since(key, from_day)? {
            match days.get_mut(&row.day) {
                Some(known) => known.merge(&row),
                None => {
                    days.insert(row.day.clone(), row);
                }
            }
        }
    }
    Ok(days)
}

/// The token's newest alert within the alert window, if any.
fn recent_flag(
    r: &Reader,
    token: &Token,
    now: i64,
) -> std::result::Result<Option<SharedFlag>, StoreError> {
    let days = history(r, token, &first_day(now, ALERT_WINDOW_DAYS))?;
    Ok(days.into_values().rev().find_map(|row| {
        row.shared_alert.map(|alert| SharedFlag {
            day: row.day,
            kind: alert.kind,
            reason: alert.reason,
        })
    }))
}

/// Sets `shared_alert` on each summary whose token was flagged within the alert window.
pub fn flag_recent(app: &App, summaries: &mut [TokenSummary], now: i64) -> Result<()> {
    app.store().read(|r| {
        for summary in summaries.iter_mut() {
            let Ok(key) = PublicKey::parse(&summary.public_key) else {
                continue;
            };
            if let Some(token) = r.token(&key)? {
                summary.shared_alert = recent_flag(r, &token, now)?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// Every token flagged within the alert window, most recently flagged day first.
pub fn recent_shared(app: &App, now: i64) -> Result<Vec<SharedToken>> {
    let mut shared = app.store().read(|r| {
        let mut shared = Vec::new();
        for token in r.tokens()? {
            if let Some(flag) = recent_flag(r, &token, now)? {
                shared.push(SharedToken {
                    public_key: token.public_key.to_string(),
                    project: token.project.to_string(),
                    label: token.label,
                    shared_alert: flag,
                });
            }
        }
        Ok(shared)
    })?;
    shared.sort_by(|a, b| {
        (&b.shared_alert.day, &a.public_key).cmp(&(&a.shared_alert.day, &b.public_key))
    });
    Ok(shared)
}

/// The token with `public_key` as its current or any former key, and its use per day over the
/// last `days` UTC days.
pub fn show(app: &App, public_key: &str, days: Option<u32>, now: i64) -> Result<TokenDetail> {
    let key = PublicKey::parse(public_key).map_err(invalid)?;
    let days = days.unwrap_or(DEFAULT_HISTORY_DAYS);
    if !(1..=MOST_HISTORY_DAYS).contains(&days) {
        return Err(ServiceError::Invalid(format!(
            "--days must be 1 to {MOST_HISTORY_DAYS}"
        )));
    }
    // Usage is written with the analytics batch; write what is pending so the history is current.
    app.analytics.flush(app.store())?;
    let found = app.store().read(|r| {
        let token = match r.token(&key)? {
            Some(token) => Some(token),
            None => r
                .tokens()?
                .into_iter()
                .find(|t| t.all_keys().any(|k| k == &key)),
        };
        let Some(token) = token else {
            return Ok(None);
        };
        let history = history(r, &token, &first_day(now, days))?;
        let flag = recent_flag(r, &token, now)?;
        Ok(Some((token, history, flag)))
    })?;
    let (token, history, flag) =
        found.ok_or_else(|| ServiceError::NotFound(format!("no token with public key {key}")))?;
    let keys = token.all_keys().map(ToString::to_string).collect();
    let mut summary = TokenSummary::from(token);
    summary.shared_alert = flag;
    Ok(TokenDetail {
        token: summary,
        keys,
        days: history.into_values().rev().map(UsageDay::from).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::ProjectSlug;
    use crate::domain::usage::AlertKind;
    use crate::service::Settings;

    /// 2026-11-27T12:00:00Z
    const NOON: i64 = 1_795_780_800;
    const DAY: i64 = 86_400;

    fn key(c: char) -> PublicKey {
        PublicKey::parse(&c.to_string().repeat(32)).unwrap()
    }

    fn usage(key: &PublicKey, at: i64, requests: u64, alert: Option<&str>) -> TokenUsageDay {
        let mut row = TokenUsageDay::new(key.clone(), time::utc_day(at), at);
        for _ in 0..requests {
            row.note(at, "10.0.0.1", "Composer/2.8");
        }
        row.shared_alert = alert.map(|reason| SharedAlert {
            at,
            kind: AlertKind::Addresses,
            reason: reason.into(),
        });
        row
    }

    /// A token that was rotated once: `a` is its former key, `b` its current one.
    fn rotated_token(app: &App, rows: &[TokenUsageDay]) {
        let token = Token {
            public_key: key('b'),
            project: ProjectSlug::parse("shop").unwrap(),
            label: "ci".into(),
            secret_hash: "not a real hash".into(),
            created_at: NOON - 30 * DAY,
            revoked_at: None,
            last_used: None,
            expires_at: None,
            previous: None,
            former_keys: vec![key('a')],
            allowed_ips: Vec::new(),
        };
        app.store()
            .write(|w| {
                w.put_token(&token)?;
                rows.iter().try_for_each(|row| w.put_token_usage(row))
            })
            .unwrap();
    }

    #[test]
    fn usage_under_a_former_key_counts_for_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
        rotated_token(
            &app,
            &[
                usage(&key('a'), NOON - DAY, 4, None),
                usage(&key('a'), NOON, 2, None),
                usage(&key('b'), NOON, 3, None),
                usage(&key('c'), NOON, 50, None),
            ],
        );
        for asked in ['a', 'b'] {
            let detail = show(&app, key(asked).as_str(), None, NOON).unwrap();
            assert_eq!(detail.token.public_key, key('b').to_string());
            assert_eq!(detail.keys, [key('a').to_string(), key('b').to_string()]);
            let days: Vec<(&str, u64)> = detail
                .days
                .iter()
                .map(|d| (d.day.as_str(), d.requests))
                .collect();
            assert_eq!(days, [("2026-11-27", 5), ("2026-11-26", 4)]);
            assert_eq!(detail.days[0].addresses[0].requests, 5);
        }
        let one_day = show(&app, key('b').as_str(), Some(1), NOON).unwrap();
        assert_eq!(one_day.days.len(), 1);
        assert!(show(&app, key('b').as_str(), Some(0), NOON).is_err());
    }

    #[test]
    fn an_alert_is_listed_for_seven_days_under_any_of_the_tokens_keys() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
        let reason = "used from 6 addresses on 2026-11-21 (limit 5)";
        rotated_token(&app, &[usage(&key('a'), NOON - 6 * DAY, 6, Some(reason))]);
        let mut summaries = vec![TokenSummary::from(
            app.store().read(|r| r.token(&key('b'))).unwrap().unwrap(),
        )];
        flag_recent(&app, &mut summaries, NOON).unwrap();
        let flag = summaries[0].shared_alert.clone().unwrap();
        assert_eq!(
            (flag.day.as_str(), flag.reason.as_str()),
            ("2026-11-21", reason)
        );
        assert_eq!(recent_shared(&app, NOON).unwrap()[0].shared_alert, flag);

        flag_recent(&app, &mut summaries, NOON + DAY).unwrap();
        assert_eq!(summaries[0].shared_alert, None, "older than 7 days");
        assert!(recent_shared(&app, NOON + DAY).unwrap().is_empty());
    }
}
