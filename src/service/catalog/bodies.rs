//! Metadata files rendered once for every shelf that lists the same releases: a p2 file depends
//! only on the releases it lists and their package's advisories, not on who may read it.

use super::advisories::{ADVISORIES_PATH, PackageAdvisories};
use super::encode_path_segment;
use super::render::{BASE_MARKER, Rendered};
use crate::domain::metadata::{ReleaseFacts, minify, release_entry};
use crate::domain::names::PackageName;
use crate::domain::records::Release;
use crate::domain::time;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, Weak};

/// Bodies by (resource path, fingerprint of what they list), shared by every snapshot. Entries
/// hold bodies weakly: a body lives while some shelf serves it.
#[derive(Default)]
pub struct BodyCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    bodies: HashMap<(String, u64), Weak<Rendered>>,
    /// Entries after the last sweep of dead ones; the next sweep waits until there are twice as
    /// many, so sweeping costs a constant share of the inserts.
    swept_at: usize,
}

impl BodyCache {
    /// The body of `path` listing `list`, rendered unless some shelf already serves it.
    pub fn body(
        &self,
        path: &str,
        name: &PackageName,
        list: &[&Arc<Release>],
        advisories: Option<&PackageAdvisories>,
    ) -> Arc<Rendered> {
        let key = (path.to_string(), fingerprint(list, advisories));
        let Ok(mut entries) = self.entries.lock() else {
            return Arc::new(Rendered::new(p2_template(name, list, advisories)));
        };
        if let Some(body) = entries.bodies.get(&key).and_then(Weak::upgrade) {
            return body;
        }
        let body = Arc::new(Rendered::new(p2_template(name, list, advisories)));
        entries.bodies.insert(key, Arc::downgrade(&body));
        if entries.bodies.len() > 2 * entries.swept_at.max(64) {
            entries.bodies.retain(|_, body| body.strong_count() > 0);
            entries.swept_at = entries.bodies.len();
        }
        body
    }
}

fn fingerprint(list: &[&Arc<Release>], advisories: Option<&PackageAdvisories>) -> u64 {
    let mut hasher = DefaultHasher::new();
    for release in list {
        release.version_normalized.hash(&mut hasher);
        release.sha256.hash(&mut hasher);
        release.version.hash(&mut hasher);
        release.released_at.hash(&mut hasher);
    }
    advisories.map(|a| a.fingerprint).hash(&mut hasher);
    hasher.finish()
}

pub fn root_json(available: &[&str]) -> String {
    serde_json::json!({
        "packages": [],
        "metadata-url": "/p2/%package%.json",
        "available-packages": available,
        "notify-batch": "/composer/downloads",
        "security-advisories": {
            "metadata": true,
            "api-url": format!("{BASE_MARKER}{ADVISORIES_PATH}"),
        },
    })
    .to_string()
}

/// A package with open advisories carries them in both its files; one without has no
/// `security-advisories` key, which leaves Composer free to ask other repositories about it.
fn p2_template(
    name: &PackageName,
    releases: &[&Arc<Release>],
    advisories: Option<&PackageAdvisories>,
) -> String {
    let entries: Vec<_> = releases
        .iter()
        .map(|release| {
            let dist_url = format!(
                "{BASE_MARKER}/dist/{name}/{}.zip",
                encode_path_segment(&release.version)
            );
            let time = time::to_rfc3339(release.released_at);
            let facts = ReleaseFacts {
                name: name.as_str(),
                version: &release.version,
                version_normalized: &release.version_normalized,
                time: &time,
                dist_url: &dist_url,
                shasum: &release.shasum,
            };
            release_entry(&release.composer_json, &facts)
        })
        .collect();
    let mut body = serde_json::json!({
        "packages": { name.as_str(): minify(&entries) },
        "minified": "composer/2.0",
    });
    if let (Some(advisories), Some(fields)) = (advisories, body.as_object_mut()) {
        fields.insert(
            "security-advisories".into(),
            advisories.entries.clone().into(),
        );
    }
    body.to_string()
}
