//! Advisories as Composer reads them: packages.json's `security-advisories` config, the p2
//! files' list and its Last-Modified, and the api-url route with its answers and refusals.

use super::{
    HOST, LIMITS, Shop, assert_challenge, assert_json_status, assert_warning, body_json, get_as,
    release_zip, request,
};
use crate::service::admin::{AdminRequest, AdvisoryAdd, AdvisoryEdit, AdvisoryWithdraw};
use crate::service::advisories::{AdvisoryChanges, NewAdvisory};
use crate::service::publish::PublishRequest;
use bytes::Bytes;
use serde_json::{Value, json};
use warp::http::Response;

const API: &str = "/api/security-advisories";

impl Shop {
    fn publish_more(&self, name: &str, version: &str) {
        let path = self
            ._dir
            .path()
            .join(format!("{}-{version}.zip", name.replace('/', "-")));
        std::fs::write(&path, release_zip(name, version)).unwrap();
        self.run(AdminRequest::PackagePublish(PublishRequest {
            path,
            version: None,
            released_at: None,
        }));
    }

    fn advise(&self, package: &str, affected: &str) -> String {
        let added = self.run(AdminRequest::AdvisoryAdd(AdvisoryAdd {
            advisory: NewAdvisory {
                package: package.into(),
                affected: affected.into(),
                title: "Remote code execution".into(),
                cve: Some("CVE-2026-12345".into()),
                ..Default::default()
            },
        }));
        added["id"].as_str().unwrap().to_string()
    }

    async fn ask(&self, body: &str) -> Response<Bytes> {
        let post = request("POST", API)
            .header("authorization", self.customer.basic())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.public(post).await
    }

    async fn last_modified(&self, path: &str) -> String {
        let response = self.public(get_as(path, &self.customer)).await;
        assert_eq!(response.status(), 200, "{path}");
        response.headers()["last-modified"]
            .to_str()
            .unwrap()
            .to_string()
    }
}

#[tokio::test]
async fn packages_json_declares_the_p2_advisories_and_an_absolute_api_url() {
    let shop = Shop::new();
    let root = body_json(&shop.public(get_as("/packages.json", &shop.customer)).await);
    let expected = json!({"metadata": true, "api-url": format!("http://{HOST}{API}")});
    assert_eq!(root["security-advisories"], expected);

    let shop = Shop::with_public_url(Some("https://packages.example.com"));
    let root = body_json(&shop.public(get_as("/packages.json", &shop.customer)).await);
    let api_url = &root["security-advisories"]["api-url"];
    assert_eq!(
        api_url,
        &json!(format!("https://packages.example.com{API}"))
    );
}

#[tokio::test]
async fn the_api_answers_only_names_the_token_sees_that_have_advisories() {
    let shop = Shop::new();
    shop.publish_more("acme/gadget", "1.0.0");
    let id = shop.advise("acme/widget", "<2.0");
    shop.advise("other/secret", "<2.0");

    let asked = "packages[]=acme/widget&packages[]=other/secret&packages[]=acme/gadget&packages[]=acme/nothing";
    let answer = shop.ask(asked).await;
    assert_json_status(&answer, 200);
    let advisories = &body_json(&answer)["advisories"];
    let names: Vec<&String> = advisories.as_object().unwrap().keys().collect();
    assert_eq!(names, ["acme/widget"]);
    let advisory = &advisories["acme/widget"][0];
    assert_eq!(advisory["advisoryId"], id.as_str());
    assert_eq!(advisory["cve"], "CVE-2026-12345");
    assert_eq!(advisory["sources"][0]["remoteId"], id.as_str());

    // PHP's http_build_query form is read the same way.
    let php = shop.ask("packages%5B0%5D=acme%2Fwidget").await;
    assert_eq!(
        body_json(&php),
        json!({"advisories": {"acme/widget": advisories["acme/widget"]}})
    );

    let without = shop.ask("packages[]=acme/gadget").await;
    assert_eq!(body_json(&without), json!({"advisories": {}}));
    for hidden in [
        "packages[]=other/secret",
        "packages[]=acme/nothing",
        "packages[]=Not%20A%20Name",
    ] {
        let answer = shop.ask(hidden).await;
        assert_eq!(answer.status(), without.status(), "{hidden}");
        assert_eq!(answer.headers(), without.headers(), "{hidden}");
        assert_eq!(answer.body(), without.body(), "{hidden}");
    }
}

#[tokio::test]
async fn the_api_refuses_strangers_first_then_unreadable_and_oversized_bodies() {
    let shop = Shop::new();
    let anonymous = request("POST", API).body("packages[]=acme/widget");
    assert_challenge(&shop.public(anonymous).await);
    let revoked = request("POST", API)
        .header("authorization", shop.revoked.basic())
        .body("%zz");
    assert_eq!(shop.public(revoked).await.status(), 401);

    let unreadable = shop.ask("packages[]=%zz").await;
    assert_warning(
        &unreadable,
        400,
        "expected a form body: packages[]=vendor/name&packages[]=vendor/other",
    );
    let large = "packages[]=acme/widget&".repeat(LIMITS.notify_body_bytes as usize / 10);
    assert_eq!(shop.ask(&large).await.status(), 413);
    let get = shop.public(get_as(API, &shop.customer)).await;
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn p2_files_carry_the_advisories_and_only_that_package_moves_its_last_modified() {
    let shop = Shop::new();
    shop.publish_more("acme/gadget", "1.0.0");
    shop.publish_more("acme/widget", "dev-main");
    let (widget, dev, gadget) = (
        "/p2/acme/widget.json",
        "/p2/acme/widget~dev.json",
        "/p2/acme/gadget.json",
    );
    let before = shop.last_modified(widget).await;
    let gadget_stamp = shop.last_modified(gadget).await;
    let root_stamp = shop.last_modified("/packages.json").await;
    let plain = body_json(&shop.public(get_as(widget, &shop.customer)).await);
    assert!(plain.get("security-advisories").is_none(), "{plain}");

    let id = shop.advise("acme/widget", "<2.0");
    let added = shop.last_modified(widget).await;
    assert_ne!(added, before);
    for path in [widget, dev] {
        let body = body_json(&shop.public(get_as(path, &shop.customer)).await);
        assert_eq!(
            body["security-advisories"][0]["advisoryId"],
            id.as_str(),
            "{path}"
        );
    }

    let edit = AdvisoryChanges {
        title: Some("Remote code execution in the importer".into()),
        ..Default::default()
    };
    shop.run(AdminRequest::AdvisoryEdit(AdvisoryEdit {
        id: id.clone(),
        edit,
    }));
    let edited = shop.last_modified(widget).await;
    assert_ne!(edited, added);
    let body = body_json(&shop.public(get_as(widget, &shop.customer)).await);
    assert_eq!(
        body["security-advisories"][0]["title"],
        "Remote code execution in the importer"
    );

    shop.run(AdminRequest::AdvisoryWithdraw(AdvisoryWithdraw { id }));
    assert_ne!(shop.last_modified(widget).await, edited);
    let body: Value = body_json(&shop.public(get_as(widget, &shop.customer)).await);
    assert!(body.get("security-advisories").is_none(), "{body}");

    assert_eq!(shop.last_modified(gadget).await, gadget_stamp);
    assert_eq!(shop.last_modified("/packages.json").await, root_stamp);
    let revalidated = get_as(gadget, &shop.customer).header("if-modified-since", gadget_stamp);
    let revalidated = shop.public(revalidated).await;
    assert_eq!(revalidated.status(), 304);
    assert!(revalidated.body().is_empty());
}
