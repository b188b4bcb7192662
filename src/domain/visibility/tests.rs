//! The visibility rules, table by table: version bounds, dev versions, dependencies (transitive,
//! cyclic, switched off) and the gaps `project check` reports.

use super::*;
use crate::domain::licence::{GrantSet, Licence, PackagePattern, VersionBound};
use crate::domain::names::{CustomerSlug, ProjectSlug};
use serde_json::json;

fn release(name: &str, version: &str, require: Value) -> Arc<Release> {
    let normalized = normalize(version).unwrap().as_str().to_string();
    let mut composer_json = serde_json::Map::new();
    composer_json.insert("require".into(), require);
    Arc::new(Release {
        name: PackageName::parse(name).unwrap(),
        version: version.into(),
        version_normalized: normalized,
        released_at: 100,
        published_at: 100,
        shasum: String::new(),
        sha256: String::new(),
        size: 0,
        composer_json,
        yanked: None,
    })
}

fn catalog(releases: &[Arc<Release>]) -> CatalogIndex {
    let mut packages = Packages::new();
    for r in releases {
        packages
            .entry(r.name.clone())
            .or_default()
            .push(Arc::clone(r));
    }
    CatalogIndex::new(&packages, &CatalogIndex::default())
}

fn grant(pattern: &str, versions: Option<&str>, dependencies: bool) -> Grant {
    Grant {
        patterns: vec![PackagePattern::parse(pattern).unwrap()],
        access_until: None,
        versions: versions.map(|v| VersionBound::parse(v).unwrap()),
        dependencies,
    }
}

/// "name version" for every visible release, sorted.
fn visible(grants: &[Grant], index: &CatalogIndex) -> Vec<String> {
    let visibility = Visibility::compute(grants, index);
    let mut seen: Vec<String> = visibility
        .visible(index)
        .flat_map(|(name, releases)| {
            releases
                .into_iter()
                .map(move |r| format!("{name} {}", r.version))
        })
        .collect();
    seen.sort();
    seen
}

#[test]
fn a_version_bound_hides_releases_outside_it() {
    let index = catalog(&[
        release("acme/x", "2.0.0", json!({})),
        release("acme/x", "1.4.0", json!({})),
        release("acme/x", "1.0.0", json!({})),
    ]);
    assert_eq!(
        visible(&[grant("acme/*", Some("^1.0"), true)], &index),
        ["acme/x 1.0.0", "acme/x 1.4.0"]
    );
    assert_eq!(
        visible(&[grant("acme/*", Some(">=1.2 <3"), true)], &index),
        ["acme/x 1.4.0", "acme/x 2.0.0"]
    );
    let any = visible(&[grant("acme/*", None, true)], &index);
    assert_eq!(any.len(), 3);
}

#[test]
fn dev_versions_follow_composer_semver() {
    let index = catalog(&[
        release("acme/x", "dev-main", json!({})),
        release("acme/x", "2.1.x-dev", json!({})),
        release("acme/x", "2.0.0", json!({})),
    ]);
    // `^2.0` admits the numeric 2.1 dev branch but never a named branch.
    assert_eq!(
        visible(&[grant("acme/x", Some("^2.0"), true)], &index),
        ["acme/x 2.0.0", "acme/x 2.1.x-dev"]
    );
    assert_eq!(
        visible(&[grant("acme/x", Some("^2.0@dev"), true)], &index),
        ["acme/x 2.0.0", "acme/x 2.1.x-dev"]
    );
    assert_eq!(
        visible(&[grant("acme/x", Some("dev-main"), true)], &index),
        ["acme/x dev-main"]
    );
    assert_eq!(
        visible(&[grant("acme/x", Some("dev-main || ^2.0"), true)], &index).len(),
        3
    );
}

#[test]
fn two_grants_for_one_package_show_the_union_of_their_bounds() {
    let index = catalog(&[
        release("acme/x", "3.0.0", json!({})),
        release("acme/x", "2.0.0", json!({})),
        release("acme/x", "1.0.0", json!({})),
    ]);
    let grants = [
        grant("acme/x", Some("^1.0"), true),
        grant("acme/*", Some("^3.0"), true),
    ];
    assert_eq!(visible(&grants, &index), ["acme/x 1.0.0", "acme/x 3.0.0"]);
}

fn pro_core_util() -> CatalogIndex {
    catalog(&[
        release(
            "acme/pro",
            "2.1.0",
            json!({"php": ">=8.1", "ext-json": "*", "acme/core": "^1.1", "psr/log": "^3"}),
        ),
        release("acme/core", "2.0.0", json!({})),
        release("acme/core", "1.2.0", json!({"acme/util": "~1.0.0"})),
        release("acme/core", "1.1.0", json!({"acme/util": "~1.0.0"})),
        release("acme/core", "1.0.0", json!({})),
        release("acme/util", "1.1.0", json!({})),
        release("acme/util", "1.0.3", json!({})),
        release("other/z", "1.0.0", json!({})),
    ])
}

#[test]
fn hosted_requirements_become_visible_transitively() {
    let index = pro_core_util();
    assert_eq!(
        visible(&[grant("acme/pro", None, true)], &index),
        [
            "acme/core 1.1.0",
            "acme/core 1.2.0",
            "acme/pro 2.1.0",
            "acme/util 1.0.3",
        ]
    );
}

#[test]
fn without_dependencies_only_the_licensed_package_is_visible() {
    let index = pro_core_util();
    assert_eq!(
        visible(&[grant("acme/pro", None, false)], &index),
        ["acme/pro 2.1.0"]
    );
}

#[test]
fn a_required_release_is_visible_whatever_the_requiring_licences_bound() {
    let index = pro_core_util();
    // The bound says which pro releases are sold; core 1.x is what pro 2.1.0 needs.
    let seen = visible(&[grant("acme/*", Some("^2.0"), true)], &index);
    assert!(seen.contains(&"acme/core 1.2.0".to_string()), "{seen:?}");
    assert!(seen.contains(&"acme/core 2.0.0".to_string()), "{seen:?}");
    assert!(!seen.contains(&"acme/util 1.1.0".to_string()), "{seen:?}");
}

#[test]
fn a_release_granted_by_a_licence_without_dependencies_still_pulls_when_another_grants_it() {
    let index = pro_core_util();
    let grants = [
        grant("acme/pro", None, false),
        grant("acme/pro", None, true),
    ];
    assert!(visible(&grants, &index).contains(&"acme/core 1.2.0".to_string()));
}

#[test]
fn requirement_cycles_terminate() {
    let index = catalog(&[
        release("acme/a", "1.0.0", json!({"acme/b": "^1.0"})),
        release("acme/b", "1.0.0", json!({"acme/a": "^1.0"})),
        release(
            "acme/b",
            "1.1.0",
            json!({"acme/b": "^1.0", "acme/a": "self.version"}),
        ),
    ]);
    assert_eq!(
        visible(&[grant("acme/a", None, true)], &index),
        ["acme/a 1.0.0", "acme/b 1.0.0", "acme/b 1.1.0"]
    );
}

#[test]
fn each_visible_release_says_why() {
    let index = pro_core_util();
    let grants = [grant("other/*", None, true), grant("acme/pro", None, true)];
    let visibility = Visibility::compute(&grants, &index);
    let pro = PackageName::parse("acme/pro").unwrap();
    let core = PackageName::parse("acme/core").unwrap();
    assert_eq!(visibility.reason(&pro, 0), Some(&Reason::Granted(1)));
    match visibility.reason(&core, 1) {
        Some(Reason::RequiredBy(by)) => assert_eq!(
            (by.name.as_str(), by.version.as_str()),
            ("acme/pro", "2.1.0")
        ),
        other => panic!("core 1.2.0 visible because {other:?}"),
    }
    assert_eq!(visibility.reason(&core, 0), None);
}

#[test]
fn gaps_name_hosted_requirements_nothing_visible_satisfies() {
    let index = pro_core_util();
    let gaps = Visibility::compute(&[grant("acme/pro", None, false)], &index).gaps(&index);
    let described: Vec<String> = gaps
        .iter()
        .map(|g| {
            format!(
                "{} {} {} {}",
                g.release.name, g.release.version, g.requirement.package, g.requirement.constraint
            )
        })
        .collect();
    // php, ext-json and psr/log (not hosted here) are no gaps.
    assert_eq!(described, ["acme/pro 2.1.0 acme/core ^1.1"]);
    let pulled = Visibility::compute(&[grant("acme/pro", None, true)], &index);
    assert!(pulled.gaps(&index).is_empty());
}

#[test]
fn a_requirement_no_hosted_version_meets_is_a_gap_even_with_dependencies() {
    let index = catalog(&[
        release("acme/pro", "3.0.0", json!({"acme/core": "^3.0"})),
        release("acme/core", "1.0.0", json!({})),
    ]);
    let gaps = Visibility::compute(&[grant("acme/*", None, true)], &index).gaps(&index);
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].requirement.constraint, "^3.0");
}

#[test]
fn grant_sets_carry_bounds_and_dependencies_so_differing_licences_do_not_share_a_view() {
    let project = ProjectSlug::parse("p").unwrap();
    let licence = |versions: Option<&str>, dependencies: bool| Licence {
        id: "lic".into(),
        customer: CustomerSlug::parse("c").unwrap(),
        holder: "C".into(),
        patterns: vec![PackagePattern::parse("acme/*").unwrap()],
        access_until: None,
        revoked_at: None,
        created_at: 0,
        projects: [project.clone()].into(),
        versions: versions.map(|v| VersionBound::parse(v).unwrap()),
        seats: None,
        dependencies,
        note: None,
    };
    let set = |l: &Licence| GrantSet::for_project(&project, [l]);
    assert_ne!(set(&licence(None, true)), set(&licence(Some("^1.0"), true)));
    assert_ne!(set(&licence(None, true)), set(&licence(None, false)));
    assert_eq!(
        set(&licence(Some("^1.0"), true)),
        set(&licence(Some("^1.0"), true))
    );
}

#[test]
fn facts_of_unchanged_packages_are_reused_by_the_next_index() {
    let core = release("acme/core", "1.0.0", json!({}));
    let mut packages = Packages::new();
    packages.insert(core.name.clone(), vec![Arc::clone(&core)]);
    let first = CatalogIndex::new(&packages, &CatalogIndex::default());
    let second = CatalogIndex::new(&packages, &first);
    assert!(Arc::ptr_eq(
        &first.packages[&core.name],
        &second.packages[&core.name]
    ));
}
