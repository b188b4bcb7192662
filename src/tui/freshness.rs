//! Keeping rows current between reloads: token uses patched in place, a reload that must not
//! undo them, the customer details that downloads and the clock change, and the cursor moved to
//! a row just created once it is loaded.

use super::message::Effect;
use super::model::{Model, Tab};
use crate::service::changes::TokenUsed;
use crate::service::summaries::TokenSummary;

/// Drops every cached customer but the one under the cursor, which is read again in place (no
/// "loading" flash) when its screen is open.
pub fn reload_customer_details(model: &mut Model) -> Vec<Effect> {
    let open = model.current() == Tab::Customers;
    let slug = model
        .selected_customer()
        .filter(|_| open)
        .map(|c| c.customer.slug.to_string());
    let details = &mut model.data.customer_details;
    details.retain(|cached, _| Some(cached) == slug.as_ref());
    slug.map(Effect::LoadCustomer).into_iter().collect()
}

/// Patches the tokens' last use in place: it arrives every second while Composer is busy, and a
/// reload of every list for it would cost far more than it shows.
pub fn tokens_used(model: &mut Model, uses: &[TokenUsed]) {
    let details = model.data.customer_details.values_mut();
    let cached = details.flat_map(|detail| detail.tokens.iter_mut());
    for token in model.data.tokens.iter_mut().chain(cached) {
        if let Some(used) = uses.iter().find(|u| u.public_key == token.public_key) {
            let last = &used.last_used;
            token.last_used_at = Some(last.at);
            token.last_ip = Some(last.ip.clone());
            token.last_user_agent = Some(last.user_agent.clone());
        }
    }
}

/// A reload read before the latest use was written must not put "never" back.
pub fn loaded_tokens(model: &mut Model, mut rows: Vec<TokenSummary>) {
    for row in &mut rows {
        let known = model
            .data
            .tokens
            .iter()
            .find(|t| t.public_key == row.public_key);
        if let Some(known) = known
            && known.last_used_at > row.last_used_at
        {
            row.last_used_at = known.last_used_at;
            row.last_ip = known.last_ip.clone();
            row.last_user_agent = known.last_user_agent.clone();
        }
    }
    model.data.tokens = rows;
}

/// Moves the cursor to the row just created once a reload has brought it; until then the
/// cursor stays where it was.
pub fn select_created(model: &mut Model) {
    let Some((tab, key)) = &model.created else {
        return;
    };
    let index = match tab {
        Tab::Customers => model
            .visible_customers()
            .iter()
            .position(|c| c.customer.slug.as_str() == key),
        Tab::Projects => model
            .visible_projects()
            .iter()
            .position(|p| p.slug.as_str() == key),
        Tab::Tokens => model
            .visible_tokens()
            .iter()
            .position(|t| &t.public_key == key),
        Tab::Licences => model.visible_licences().iter().position(|l| &l.id == key),
        _ => None,
    };
    if let Some(index) = index {
        model.tab.selected.insert(*tab, index);
        model.created = None;
    }
}
