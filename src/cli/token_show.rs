//! `packagento token show`: one token and its use per day, and the shared-token marker that
//! token and customer listings print.

use super::CliError;
use super::output::{print_json, when};
use crate::domain::text::printable;
use crate::domain::usage::Counted;
use crate::service::admin::{Admin, TokenShow};
use crate::service::summaries::TokenSummary;
use crate::service::usage_report::{TokenDetail, UsageDay};

pub fn run(admin: &Admin, public_key: String, days: u32, json: bool) -> Result<(), CliError> {
    let detail = admin.call(TokenShow {
        public_key,
        days: Some(days),
    })?;
    match json {
        true => print_json(&detail),
        false => print_detail(&detail, days),
    }
    Ok(())
}

/// Appended to a token's line when it was flagged as shared in the last 7 days.
pub fn shared_marker(token: &TokenSummary) -> String {
    token
        .shared_alert
        .as_ref()
        .map(|flag| format!("  SHARED: {}", printable(&flag.reason)))
        .unwrap_or_default()
}

fn print_detail(detail: &TokenDetail, days: u32) {
    let token = &detail.token;
    let now = crate::domain::time::now();
    let state = match (token.revoked_at, token.is_expired(now)) {
        (Some(_), _) => "revoked",
        (None, true) => "expired",
        (None, false) => "active",
    };
    println!("token {} ({state})", token.public_key);
    println!("  project:    {}", token.project);
    if !token.label.is_empty() {
        println!("  label:      {}", printable(&token.label));
    }
    println!("  created:    {}", when(Some(token.created_at)));
    println!("  expires:    {}", when(token.expires_at));
    println!("  last used:  {}", when(token.last_used_at));
    if let (true, Some(old)) = (token.is_rotating(now), &token.previous_public_key) {
        let until = when(token.previous_valid_until);
        println!("  rotating:   old key {old} valid until {until}");
    }
    if !token.allowed_ips.is_empty() {
        println!("  allowed:    {}", token.allowed_ips.join(", "));
    }
    if detail.keys.len() > 1 {
        println!(
            "  keys:       {} (usage of all counted)",
            detail.keys.join(", ")
        );
    }
    if let Some(flag) = &token.shared_alert {
        println!("  SHARED:     {}", printable(&flag.reason));
    }
    println!("usage in the last {days} days (UTC):");
    if detail.days.is_empty() {
        println!("  none");
    }
    for day in &detail.days {
        print_day(day);
    }
}

fn print_day(day: &UsageDay) {
    let alert = day
        .shared_alert
        .as_ref()
        .map(|a| format!("  SHARED: {}", printable(&a.reason)))
        .unwrap_or_default();
    println!("  {}  {} requests{alert}", day.day, day.requests);
    print_counted("addresses", &day.addresses, day.other_address_requests);
    print_counted("user agents", &day.user_agents, day.other_agent_requests);
}

/// One value a line, its request count first, busiest first.
fn print_counted(title: &str, values: &[Counted], other_requests: u64) {
    println!("    {title}:");
    for counted in values {
        println!("    {:>8}  {}", counted.requests, printable(&counted.value));
    }
    if other_requests > 0 {
        println!("    {other_requests:>8}  (requests from others not listed)");
    }
}
