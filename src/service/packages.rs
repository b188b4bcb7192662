//! What the catalogue holds, as the operator reads it: packages, their versions, recent downloads.

use super::{App, Result, ServiceError, invalid};
use crate::domain::names::PackageName;
use crate::domain::records::DownloadEvent;
use serde::{Deserialize, Serialize};

/// One line of `package list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageSummary {
    pub name: String,
    pub versions: usize,
    /// The newest version that is not yanked.
    pub latest: Option<String>,
}

/// `package show`: every version, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageDetail {
    pub name: String,
    pub versions: Vec<VersionDetail>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionDetail {
    pub version: String,
    pub version_normalized: String,
    /// Unix seconds, like every `*_at` field.
    pub released_at: i64,
    pub size: u64,
    pub shasum: String,
    pub yanked: bool,
    pub yank_reason: Option<String>,
}

pub fn list(app: &App) -> Vec<PackageSummary> {
    let catalog = app.catalog();
    catalog
        .packages
        .iter()
        .map(|(name, releases)| PackageSummary {
            name: name.to_string(),
            versions: releases.len(),
            latest: releases
                .iter()
                .find(|r| r.yanked.is_none())
                .map(|r| r.version.clone()),
        })
        .collect()
}

pub fn show(app: &App, name: &str) -> Result<PackageDetail> {
    let name = PackageName::parse(name).map_err(invalid)?;
    let catalog = app.catalog();
    let releases = catalog.packages.get(&name).ok_or_else(|| {
        ServiceError::NotFound(format!("no package {name} (see `packagento package list`)"))
    })?;
    let versions = releases
        .iter()
        .map(|r| VersionDetail {
            version: r.version.clone(),
            version_normalized: r.version_normalized.clone(),
            released_at: r.released_at,
            size: r.size,
            shasum: r.shasum.clone(),
            yanked: r.yanked.is_some(),
            yank_reason: r.yanked.as_ref().and_then(|y| y.reason.clone()),
        })
        .collect();
    Ok(PackageDetail {
        name: name.to_string(),
        versions,
    })
}

/// Newest first, read from the store a page at a time as the caller walks it.
pub fn recent_downloads(
    app: &App,
    limit: usize,
) -> Result<impl Iterator<Item = Result<DownloadEvent>> + '_> {
    // Events still waiting for the batch writer are newer than anything stored.
    app.analytics.flush(app.store())?;
    let walk = app.store().downloads_newest_first(limit)?;
    Ok(walk.map(|event| Ok(event?)))
}
