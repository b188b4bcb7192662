//! What a project sees, package by package: each version visible or hidden, and why hidden.
//! The serving catalogue answers "what is visible"; an operator also needs "why not".

use super::{App, Result, ServiceError};
use crate::domain::licence::Licence;
use crate::domain::names::{PackageName, ProjectSlug};
use crate::domain::records::Release;
use crate::domain::time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Hidden {
    /// Released after every covering subscription's access window had closed.
    SubscriptionWindow { access_until: String },
    /// Only revoked licences cover the package.
    LicenceRevoked { licence: String },
    /// No licence activated on the project names the package.
    NotCovered,
}

pub fn licence_preview(app: &App, project: &str) -> Result<Vec<PackagePreview>> {
    let slug = ProjectSlug::parse(project).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let catalog = app.catalog();
    if !catalog.views.contains_key(&slug) {
        return Err(ServiceError::NotFound(format!(
            "no project {slug:?} (see `packagento project list`)"
        )));
    }
    let licences = app.store().read(|r| r.licences())?;
    Ok(preview(&slug, &licences, &catalog.packages))
}

pub fn preview(
    project: &ProjectSlug,
    licences: &[Licence],
    packages: &BTreeMap<PackageName, Vec<Arc<Release>>>,
) -> Vec<PackagePreview> {
    let activated: Vec<&Licence> = licences
        .iter()
        .filter(|l| l.projects.contains(project))
        .collect();
    packages
        .iter()
        .map(|(name, releases)| PackagePreview {
            package: name.to_string(),
            versions: releases
                .iter()
                .map(|release| VersionPreview {
                    version: release.version.clone(),
                    released_at: release.released_at,
                    hidden: why_hidden(&activated, name, release.released_at),
                })
                .collect(),
        })
        .collect()
}

fn why_hidden(activated: &[&Licence], name: &PackageName, released_at: i64) -> Option<Hidden> {
    let covering: Vec<&&Licence> = activated
        .iter()
        .filter(|l| l.patterns.iter().any(|p| p.matches(name)))
        .collect();
    let active: Vec<&&Licence> = covering.iter().copied().filter(|l| l.is_active()).collect();
    if active
        .iter()
        .any(|l| l.access_until.is_none_or(|until| released_at <= until))
    {
        return None;
    }
    if let Some(latest) = active.iter().filter_map(|l| l.access_until).max() {
        return Some(Hidden::SubscriptionWindow {
            access_until: time::to_rfc3339(latest),
        });
    }
    Some(match covering.first() {
        Some(revoked) => Hidden::LicenceRevoked {
            licence: revoked.id.clone(),
        },
        None => Hidden::NotCovered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::licence::PackagePattern;

    fn release(name: &str, version: &str, released_at: i64) -> Arc<Release> {
        Arc::new(Release {
            name: PackageName::parse(name).unwrap(),
            version: version.into(),
            version_normalized: format!("{version}.0"),
            released_at,
            published_at: released_at,
            shasum: String::new(),
            sha256: String::new(),
            size: 0,
            composer_json: Default::default(),
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

    fn packages(releases: &[Arc<Release>]) -> BTreeMap<PackageName, Vec<Arc<Release>>> {
        let mut map: BTreeMap<PackageName, Vec<Arc<Release>>> = BTreeMap::new();
        for r in releases {
            map.entry(r.name.clone()).or_default().push(r.clone());
        }
        map
    }

    #[test]
    fn each_hidden_version_says_why() {
        let catalog = packages(&[
            release("acme/sub", "2.0.0", 200),
            release("acme/sub", "1.0.0", 100),
            release("acme/gone", "1.0.0", 100),
            release("other/x", "1.0.0", 100),
        ]);
        let licences = [
            licence("lic_sub", "acme/sub", Some(150), false),
            licence("lic_gone", "acme/gone", None, true),
        ];
        let shop = ProjectSlug::parse("shop").unwrap();
        let preview = preview(&shop, &licences, &catalog);
        let find = |name: &str| preview.iter().find(|p| p.package == name).unwrap();
        let sub = find("acme/sub");
        assert!(matches!(
            sub.versions[0].hidden,
            Some(Hidden::SubscriptionWindow { .. })
        ));
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
        let catalog = packages(&[release("acme/sub", "2.0.0", 200)]);
        let licences = [
            licence("lic_sub", "acme/sub", Some(150), false),
            licence("lic_all", "acme/*", None, false),
        ];
        let shop = ProjectSlug::parse("shop").unwrap();
        assert_eq!(
            preview(&shop, &licences, &catalog)[0].versions[0].hidden,
            None
        );
    }
}
