//! The advisories api-url: Composer POSTs the names it audits and is answered with the open
//! advisories of those it may see. A name the token cannot see, an unknown one and one without
//! advisories are all simply left out, so the answer discloses nothing, and Composer keeps
//! asking other repositories (packagist) about names this one does not answer.

use super::composer::{RequestContext, authenticate, context, read_body, respond, with_app};
use super::error::ApiError;
use super::responses::json_response;
use crate::domain::names::PackageName;
use crate::service::App;
use crate::service::catalog::{ADVISORIES_PATH, Catalog};
use bytes::Buf;
use futures_util::Stream;
use serde_json::{Map, Value};
use std::sync::Arc;
use warp::Filter;
use warp::reply::Response;

/// `POST /api/security-advisories`, bounded like notify reports (`limits.notify_body_bytes`).
pub fn route(app: Arc<App>) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    let segment = ADVISORIES_PATH.trim_start_matches("/api/");
    warp::path("api")
        .and(warp::path(segment))
        .and(warp::path::end())
        .and(warp::post())
        .and(warp::body::content_length_limit(
            app.settings().limits.notify_body_bytes,
        ))
        .and(warp::body::stream())
        .and(with_app(app))
        .and(context())
        .then(|body, app: Arc<App>, ctx: RequestContext| async move {
            respond(answer(&app, &ctx, body).await)
        })
}

async fn answer<S, B>(app: &App, ctx: &RequestContext, body: S) -> Result<Response, ApiError>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    let catalog = app.catalog();
    let caller = authenticate(app, &catalog, ctx).await?;
    let body = read_body(body).await?;
    let names = requested_names(&body).ok_or_else(|| {
        ApiError::BadRequest(
            "expected a form body: packages[]=vendor/name&packages[]=vendor/other".into(),
        )
    })?;
    let advisories = advisories_for(&catalog, &caller.project, names);
    let body = serde_json::json!({ "advisories": advisories }).to_string();
    Ok(json_response(body))
}

/// Each requested name the project sees and that has open advisories, under the name as sent
/// (Composer looks its answer up by that key).
fn advisories_for(
    catalog: &Catalog,
    project: &crate::domain::names::ProjectSlug,
    names: Vec<String>,
) -> Map<String, Value> {
    let mut answer = Map::new();
    // A token whose project vanished sees nothing, like any other unentitled request.
    let Some(view) = catalog.view(project) else {
        return answer;
    };
    for name in names {
        let Ok(package) = PackageName::parse(&name.to_ascii_lowercase()) else {
            continue;
        };
        if !view.sees(package.as_str()) {
            continue;
        }
        if let Some(served) = catalog.advisories.of(&package) {
            answer.insert(name, Value::from(served.entries.clone()));
        }
    }
    answer
}

/// The names of a `packages[]=a/b&packages[]=c/d` form, also as PHP's `http_build_query` writes
/// it (`packages%5B0%5D=a%2Fb`); other fields are ignored. `None` when it is not a readable form.
fn requested_names(body: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut names = Vec::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = form_decode(key)?;
        let index = key
            .strip_prefix("packages[")
            .and_then(|rest| rest.strip_suffix(']'));
        if index.is_some_and(|i| i.bytes().all(|b| b.is_ascii_digit())) {
            names.push(form_decode(value)?);
        }
    }
    Some(names)
}

/// `application/x-www-form-urlencoded` decoding; a broken escape or bytes that are not UTF-8
/// make the whole form unreadable.
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_both_forms_composer_and_php_send() {
        let plain = b"packages[]=acme/core&packages[]=acme/util";
        assert_eq!(requested_names(plain).unwrap(), ["acme/core", "acme/util"]);
        let php = b"packages%5B0%5D=acme%2Fcore&packages%5B1%5D=acme%2Futil&other=1";
        assert_eq!(requested_names(php).unwrap(), ["acme/core", "acme/util"]);
        assert_eq!(requested_names(b"").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_broken_escape_or_bytes_that_are_not_text_make_the_form_unreadable() {
        assert!(requested_names(b"packages[]=acme%2").is_none());
        assert!(requested_names(b"packages[]=acme%zz").is_none());
        assert!(requested_names(b"packages[]=%ff%fe").is_none());
        assert!(requested_names(&[0xff, b'=']).is_none());
    }

    #[test]
    fn keys_that_only_look_like_the_list_are_ignored() {
        let names = requested_names(b"packages=acme/a&packages[x]=acme/b&packagesx[]=acme/c");
        assert_eq!(names.unwrap(), Vec::<String>::new());
    }
}
