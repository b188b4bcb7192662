//! What a project sees, package by package: each version visible or hidden, and why.
//! The serving catalogue answers "what is visible"; an operator also needs "why not".

use super::{App, Result, ServiceError};
use crate::domain::licence::{Grant, Licence};
use crate::domain::names::{PackageName, ProjectSlug};
use crate::domain::time;
use crate::domain::visibility::{CatalogIndex, Reason, ReleaseFacts, Visibility};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackagePreview {
    pub package: String,
    pub versions: Vec<VersionPreview>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionPreview {
    pub version: String,
    pub released_at: i64,
    /// `None` when the project's tokens can install this version.
    pub hidden: Option<Hidden>,
    /// Why the project's tokens can install it; `None` when hidden.
    #[serde(default)]
    pub visible: Option<Visible>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Hidden {
    /// Released after every covering subscription's access window had closed.
    SubscriptionWindow { access_until: String },
    /// Inside a covering licence's window, but outside its version bound (every such licence's).
    OutsideVersions { versions: String },
    /// Only revoked licences cover the package.
    LicenceRevoked { licence: String },
    /// No licence activated on the project names the package.
    NotCovered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Visible {
    /// An active licence activated on the project grants it.
    Licence { licence: String },
    /// A visible release requires it (the first found, when several do).
    RequiredBy { package: String, version: String },
}

pub fn licence_preview(app: &App, project: &str) -> Result<Vec<PackagePreview>> {
    let slug = ProjectSlug::parse(project).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let catalog = app.catalog();
    if !catalog.has_project(&slug) {
        return Err(ServiceError::NotFound(format!(
            "no project {slug:?} (see `packagento project list`)"
        )));
    }
    let licences = app.store().read(|r| r.licences())?;
    Ok(preview(&slug, &licences, &catalog.index))
}

/// Runs the serving rules over the project's licences one by one (rather than its grant set) so
/// a visible version can name the licence that grants it; the set visible is the same.
pub fn preview(
    project: &ProjectSlug,
    licences: &[Licence],
    index: &CatalogIndex,
) -> Vec<PackagePreview> {
    let activated: Vec<&Licence> = licences
        .iter()
        .filter(|l| l.projects.contains(project))
        .collect();
    let active: Vec<&Licence> = activated
        .iter()
        .copied()
        .filter(|l| l.is_active())
        .collect();
    let grants: Vec<Grant> = active.iter().map(|l| l.grant()).collect();
    let visibility = Visibility::compute(&grants, index);
    index
        .names()
        .map(|name| PackagePreview {
            package: name.to_string(),
            versions: index
                .releases(name)
                .iter()
                .enumerate()
                .map(|(at, facts)| {
                    let visible = visibility.reason(name, at).map(|reason| match reason {
                        Reason::Granted(i) => Visible::Licence {
                            licence: active[*i].id.clone(),
                        },
                        Reason::RequiredBy(by) => Visible::RequiredBy {
                            package: by.name.to_string(),
                            version: by.version.clone(),
                        },
                    });
                    VersionPreview {
                        version: facts.release.version.clone(),
                        released_at: facts.release.released_at,
                        hidden: match visible {
                            Some(_) => None,
                            None => Some(why_hidden(&activated, name, facts)),
                        },
                        visible,
                    }
                })
                .collect(),
        })
        .collect()
}

fn why_hidden(activated: &[&Licence], name: &PackageName, facts: &ReleaseFacts) -> Hidden {
    let covering: Vec<&&Licence> = activated
        .iter()
        .filter(|l| l.patterns.iter().any(|p| p.matches(name)))
        .collect();
    let active: Vec<&&Licence> = covering.iter().copied().filter(|l| l.is_active()).collect();
    let released_at = facts.release.released_at;
    let in_window = active.iter().find(|l| l.grant().in_window(released_at));
    if let Some(bound) = in_window.and_then(|l| l.versions.as_ref()) {
        return Hidden::OutsideVersions {
            versions: bound.as_str().to_string(),
        };
    }
    if let Some(latest) = active.iter().filter_map(|l| l.access_until).max() {
        return Hidden::SubscriptionWindow {
            access_until: time::to_rfc3339(latest),
        };
    }
    match covering.first() {
        Some(revoked) => Hidden::LicenceRevoked {
            licence: revoked.id.clone(),
        },
        None => Hidden::NotCovered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::licence::{PackagePattern, VersionBound};
    use crate::domain::records::Release;
    use crate::domain::visibility::Packages;
    use std::sync::Arc;

    fn release(name: &str, version: &str, released_at: i64) -> Arc<Release> {
        required(name, version, released_at, serde_json::json!({}))
    }

    fn required(
        name: &str,
        version: &str,
        released_at: i64,
        require: serde_json::Value,
    ) -> Arc<Release> {
        let mut composer_json = serde_json::Map::new();
        composer_json.insert("require".into(), require);
        Arc::new(Release {
            name: PackageName::parse(name).unwrap(),
            version: version.into(),
            version_normalized: format!("{version}.0"),
            released_at,
            published_at: released_at,
            shasum: String::new(),
            sha256: String::new(),
            size: 0,
            composer_json,
            yanked: None,
        })
    }

    fn licence(id: &str, pattern: &str, until: Option<i64>, revoked: bool) -> Licence {
        Licence {
            id: id.into(),
            customer: crate::domain::names::CustomerSlug::parse("holder").unwrap(),
            holder: "Holder".into(),
            patterns: vec![PackagePattern::parse(pattern).unwrap()],
            access_until: until,
            revoked_at: revoked.then_some(1),
            created_at: 0,
            projects: [ProjectSlug::parse("shop").unwrap()].into(),
            versions: None,
            seats: None,
            dependencies: true,
            note: None,
        }
    }

    fn bound(mut licence: Licence, versions: &str) -> Licence {
        licence.versions = Some(VersionBound::parse(versions).unwrap());
        licence
    }

    fn catalog(releases: &[Arc<Release>]) -> CatalogIndex {
        let mut map = Packages::new();
        for r in releases {
            map.entry(r.name.clone()).or_default().push(r.clone());
        }
        CatalogIndex::new(&map, &CatalogIndex::default())
    }

    fn shop_preview(licences: &[Licence], catalog: &CatalogIndex) -> Vec<PackagePreview> {
        preview(&ProjectSlug::parse("shop").unwrap(), licences, catalog)
    }

    #[test]
    fn each_hidden_version_says_why() {
        let catalog = catalog(&[
            release("acme/sub", "2.0.0", 200),
            release("acme/sub", "1.0.0", 100),
            release("acme/gone", "1.0.0", 100),
            release("other/x", "1.0.0", 100),
        ]);
        let licences = [
            licence("lic_sub", "acme/sub", Some(150), false),
            licence("lic_gone", "acme/gone", None, true),
        ];
        let preview = shop_preview(&licences, &catalog);
        let find = |name: &str| preview.iter().find(|p| p.package == name).unwrap();
        let sub = find("acme/sub");
        assert!(matches!(
            sub.versions[0].hidden,
            Some(Hidden::SubscriptionWindow { .. })
        ));
        assert_eq!(sub.versions[0].visible, None);
        assert_eq!(sub.versions[1].hidden, None);
        assert_eq!(
            find("acme/gone").versions[0].hidden,
            Some(Hidden::LicenceRevoked {
                licence: "lic_gone".into()
            })
        );
        assert_eq!(find("other/x").versions[0].hidden, Some(Hidden::NotCovered));
    }

    #[test]
    fn a_perpetual_licence_beside_a_closed_subscription_shows_everything() {
        let catalog = catalog(&[release("acme/sub", "2.0.0", 200)]);
        let licences = [
            licence("lic_sub", "acme/sub", Some(150), false),
            licence("lic_all", "acme/*", None, false),
        ];
        let version = &shop_preview(&licences, &catalog)[0].versions[0];
        assert_eq!(version.hidden, None);
        assert_eq!(
            version.visible,
            Some(Visible::Licence {
                licence: "lic_all".into()
            })
        );
    }

    #[test]
    fn a_version_outside_the_licences_bound_says_which_bound() {
        let catalog = catalog(&[
            release("acme/x", "2.0.0", 100),
            release("acme/x", "1.0.0", 100),
        ]);
        let licences = [bound(licence("lic_one", "acme/x", None, false), "^1.0")];
        let versions = &shop_preview(&licences, &catalog)[0].versions;
        assert_eq!(
            versions[0].hidden,
            Some(Hidden::OutsideVersions {
                versions: "^1.0".into()
            })
        );
        assert_eq!(versions[1].hidden, None);
    }

    #[test]
    fn a_version_visible_because_a_visible_release_requires_it_names_that_release() {
        let catalog = catalog(&[
            required(
                "acme/pro",
                "2.1.0",
                100,
                serde_json::json!({"acme/core": "^1.0"}),
            ),
            release("acme/core", "1.0.0", 100),
        ]);
        let licences = [licence("lic_pro", "acme/pro", None, false)];
        let preview = shop_preview(&licences, &catalog);
        let core = preview.iter().find(|p| p.package == "acme/core").unwrap();
        assert_eq!(core.versions[0].hidden, None);
        assert_eq!(
            core.versions[0].visible,
            Some(Visible::RequiredBy {
                package: "acme/pro".into(),
                version: "2.1.0".into()
            })
        );
        let json = serde_json::to_value(&core.versions[0]).unwrap();
        assert_eq!(json["hidden"], serde_json::Value::Null);
        assert_eq!(json["visible"]["reason"], "required_by");

        let mut alone = licence("lic_pro", "acme/pro", None, false);
        alone.dependencies = false;
        let preview = shop_preview(&[alone], &catalog);
        let core = preview.iter().find(|p| p.package == "acme/core").unwrap();
        assert_eq!(core.versions[0].hidden, Some(Hidden::NotCovered));
    }
}
