//! A licence's version bound decides what its projects are served, and changing it moves the
//! Last-Modified of exactly the projects whose view changed.

use super::*;
use crate::domain::licence::VersionBound;
use crate::service::admin::{
    LicenceActivate, LicenceCreate, LicenceList, ProjectCreate, TokenCreate,
};

const P2: &str = "/p2/acme/widget.json";

/// `shop` (licensed for `acme/*` by `Shop::new`) and `other`, licensed alike on a licence of its
/// own; acme/widget 1.0.0 and 2.0.0 are published.
fn two_projects() -> (Shop, Credential, String) {
    let shop = Shop::new();
    let path = shop._dir.path().join("widget-2.zip");
    std::fs::write(&path, release_zip("acme/widget", "2.0.0")).unwrap();
    shop.run(AdminRequest::PackagePublish(PublishRequest {
        path,
        version: None,
        released_at: None,
    }));
    let shop_licence = shop.run(AdminRequest::LicenceList(LicenceList::default()))[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    shop.run(AdminRequest::ProjectCreate(ProjectCreate {
        slug: "other".into(),
        name: None,
        customer: None,
    }));
    let licence = shop.run(AdminRequest::LicenceCreate(LicenceCreate {
        holder: Some("Other Ltd".into()),
        packages: vec!["acme/*".into()],
        ..Default::default()
    }));
    shop.run(AdminRequest::LicenceActivate(LicenceActivate {
        id: licence["id"].as_str().unwrap().into(),
        project: "other".into(),
    }));
    let other = Credential::from_json(&shop.run(AdminRequest::TokenCreate(TokenCreate {
        project: "other".into(),
        label: None,
        ..Default::default()
    })));
    (shop, other, shop_licence)
}

fn versions(response: &Response<Bytes>) -> Vec<String> {
    let body = body_json(response);
    let entries = body["packages"]["acme/widget"].as_array().unwrap().clone();
    entries
        .iter()
        .filter_map(|e| e["version"].as_str().map(str::to_string))
        .collect()
}

fn set_bound(shop: &Shop, id: &str, versions: &str) {
    shop.app
        .change(|w| {
            let mut licence = w.licence(id)?.unwrap();
            licence.versions = Some(VersionBound::parse(versions).unwrap());
            w.put_licence(&licence)?;
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn changing_a_licences_bound_moves_that_projects_last_modified_and_no_other() {
    let (shop, other, shop_licence) = two_projects();
    let first = shop.public(get_as(P2, &shop.customer)).await;
    assert_eq!(versions(&first), ["2.0.0", "1.0.0"]);
    let shop_stamp = first.headers()["last-modified"].clone();
    let other_first = shop.public(get_as(P2, &other)).await;
    let other_stamp = other_first.headers()["last-modified"].clone();
    let revalidate =
        |credential: &Credential, stamp| get_as(P2, credential).header("if-modified-since", stamp);
    assert_eq!(
        shop.public(revalidate(&shop.customer, &shop_stamp))
            .await
            .status(),
        304
    );

    set_bound(&shop, &shop_licence, "^1.0");

    let moved = shop.public(revalidate(&shop.customer, &shop_stamp)).await;
    assert_eq!(moved.status(), 200, "the bound changed what shop sees");
    assert_eq!(versions(&moved), ["1.0.0"]);
    assert_ne!(moved.headers()["last-modified"], shop_stamp);
    let root = shop.public(get_as("/packages.json", &shop.customer)).await;
    assert_eq!(root.status(), 200);
    let unchanged = shop.public(revalidate(&other, &other_stamp)).await;
    assert_eq!(unchanged.status(), 304, "other's licence did not change");

    // Back to every version: shop's stamp moves forward again, though the content is older.
    let bounded_stamp = moved.headers()["last-modified"].clone();
    set_bound(&shop, &shop_licence, "*");
    let again = shop
        .public(revalidate(&shop.customer, &bounded_stamp))
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(versions(&again), ["2.0.0", "1.0.0"]);
}

#[tokio::test]
async fn a_bound_release_stays_out_of_the_dist_route_too() {
    let (shop, _other, shop_licence) = two_projects();
    set_bound(&shop, &shop_licence, "^1.0");
    let outside = shop
        .public(get_as("/dist/acme/widget/2.0.0.zip", &shop.customer))
        .await;
    assert_eq!(outside.status(), 404);
    let inside = shop
        .public(get_as("/dist/acme/widget/1.0.0.zip", &shop.customer))
        .await;
    assert_eq!(inside.status(), 200);
}

#[tokio::test]
async fn projects_with_equal_grants_share_one_rendered_body_and_a_bound_gets_its_own() {
    let (shop, _other, shop_licence) = two_projects();
    shop.run(AdminRequest::ProjectCreate(ProjectCreate {
        slug: "twin".into(),
        name: None,
        customer: None,
    }));
    shop.run(AdminRequest::LicenceActivate(LicenceActivate {
        id: shop_licence.clone(),
        project: "twin".into(),
    }));
    set_bound(&shop, &shop_licence, "^1.0");
    let catalog = shop.app.catalog();
    let body = |project: &str| {
        let slug = crate::domain::names::ProjectSlug::parse(project).unwrap();
        let view = catalog.view(&slug).unwrap();
        view.package("acme/widget").unwrap().tagged().unwrap().body
    };
    assert!(std::sync::Arc::ptr_eq(&body("shop"), &body("twin")));
    assert!(!std::sync::Arc::ptr_eq(&body("shop"), &body("other")));
}
