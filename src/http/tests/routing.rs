//! The Composer reads the public listeners route themselves, ahead of warp, match exactly what
//! warp's own filters match: the same paths, and the same authority for dist URLs.

use super::super::composer::{Read, authority, authority_of};
use warp::Filter;
use warp::http::{HeaderMap, Uri};

/// Paths with the shapes a scanner or a confused client sends: doubled, missing and trailing
/// slashes, extra segments, wrong case, percent-encoding.
const PATHS: &[&str] = &[
    "/",
    "/packages.json",
    "/packages.json/",
    "/packages.json//",
    "//packages.json",
    "/packages.json/x",
    "/PACKAGES.JSON",
    "/p2",
    "/p2/acme",
    "/p2/acme/",
    "/p2/acme/widget.json",
    "/p2/acme/widget~dev.json/",
    "/p2/acme/widget.json//",
    "/p2//widget.json",
    "/p2/acme/widget.json/x",
    "/p2/acme%2Fwidget.json",
    "/p2/ac%20me/wid%2Fget.json",
    "/P2/acme/widget.json",
    "/dist/acme/widget/1.0.0.zip",
    "/dist/acme/widget/1.0.0%2Bbuild.zip/",
    "/dist/acme/widget/1.0.0.zip/x",
    "/dist/acme//1.0.0.zip",
    "/dist/acme/widget",
    "/distx/acme/widget/1.0.0.zip",
    "/composer/downloads",
];

/// What `warp::path!` extracts from `path` for each Composer read, as a `Read` would name it.
async fn warp_match(path: &str) -> Option<String> {
    let root = warp::path!("packages.json").map(|| "Root".to_string());
    let p2 = warp::path!("p2" / String / String)
        .map(|vendor: String, file: String| format!("P2 {vendor} {file}"));
    let dist = warp::path!("dist" / String / String / String)
        .map(|vendor: String, name: String, file: String| format!("Dist {vendor} {name} {file}"));
    let any = root.or(p2).unify().or(dist).unify();
    warp::test::request().path(path).filter(&any).await.ok()
}

fn read_match(path: &str) -> Option<String> {
    Read::of(path).map(|read| match read {
        Read::Root => "Root".to_string(),
        Read::P2 { vendor, file } => format!("P2 {vendor} {file}"),
        Read::Dist { vendor, name, file } => format!("Dist {vendor} {name} {file}"),
    })
}

#[tokio::test]
async fn reads_match_the_paths_warps_path_macro_matches_with_the_same_segments() {
    let mut matched = 0;
    for path in PATHS {
        let expected = warp_match(path).await;
        assert_eq!(read_match(path), expected, "{path}");
        matched += usize::from(expected.is_some());
    }
    assert_eq!(matched, 7, "the table should hold matching paths too");
}

#[test]
fn only_get_and_head_are_routed_as_reads() {
    use warp::http::Method;
    for method in [Method::GET, Method::HEAD] {
        assert_eq!(
            Read::of_request(&method, "/packages.json"),
            Some(Read::Root)
        );
    }
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
        assert_eq!(
            Read::of_request(&method, "/packages.json"),
            None,
            "{method}"
        );
    }
}

#[tokio::test]
async fn the_authority_is_the_one_warps_host_filter_finds() {
    let cases: &[(&str, Option<&str>)] = &[
        ("/p2/a/b.json", Some("repo.test")),
        ("/p2/a/b.json", Some("repo.test:8443")),
        ("/p2/a/b.json", Some("two words")),
        ("/p2/a/b.json", Some("evil@repo.test")),
        ("/p2/a/b.json", Some("")),
        ("/p2/a/b.json", None),
        ("http://repo.test:8443/p2/a/b.json", None),
        ("http://repo.test:8443/p2/a/b.json", Some("repo.test:8443")),
        ("http://repo.test/p2/a/b.json", Some("other.test")),
        ("http://repo.test/p2/a/b.json", Some("bad host")),
    ];
    for (target, host) in cases {
        let mut request = warp::test::request().path(target);
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            request = request.header("host", *host);
            headers.insert("host", host.parse().unwrap());
        }
        let expected = request.filter(&authority()).await.unwrap();
        let uri: Uri = target.parse().unwrap();
        assert_eq!(authority_of(&uri, &headers), expected, "{target} {host:?}");
    }
}
